// A closed survey in a real database (SQLite and PostgreSQL) mapped into the
// package input and built into a real signed package that verifies; the edge
// cases (no consent answer, no policy period, a build interrupted by a crash).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { evidenceInputForSurvey, mapContinuity } from "../../server/archive/evidence-input";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import { parsePackageInput } from "../../server/evidence/package-input";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { recordingNotice, RECORDING_NOTICE_VERSION } from "../../server/domain/recording-notice";
import { testSigner } from "../fixtures/evidence/test-signer";
import { closedSurvey, MODEL_SHA, workspace, type Workspace } from "./closed-survey";
import { recordedSurveyWithHoles } from "./recorded-survey";

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");

const log = pino({ level: "silent" });

for (const kind of databaseKinds) {
  describe(`evidence from the database on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let finalised: string[];
    let service: EvidenceService;
    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
      finalised = [];
      service = testEvidenceService({ db: t.db, log: log, storage: ws.storage, dataDir: ws.dataDir }, { recording: { finalise: async (id) => void finalised.push(id) }, progressIntervalMs: 0 });
    });
    after(async () => {
      service.close();
      await t.drop();
      await ws.remove();
    });

    test("the mapping: identification, consent with the notice text, verdicts, chat, continuity, retention", async () => {
      const s = await closedSurvey(t.db, ws.storage);
      const raw = await evidenceInputForSurvey(t.db, s.surveyId, { storage: ws.storage, softwareVersion: "x", qualityModelSha256: "cd".repeat(32) });
      const input = parsePackageInput(raw);
      const holder = input.participants.find((p) => p.role === "policyholder")!;
      const agent = input.participants.find((p) => p.role === "agent")!;
      // The survey is in Chinese: so is the package's wording.
      assert.equal(holder.identifiedBy, "短信邀请链接（发送至 138****8000）");
      assert.equal(agent.identifiedBy, "员工账号登录（agent1@example.com）");
      assert.ok(holder.leftAt, "a participant still in the call when it closed left when it closed");
      assert.ok(holder.joinedAt);
      assert.equal(input.consents.length, 1);
      const c = input.consents[0]!;
      assert.equal(c.decision, "accepted");
      assert.equal(c.participantId, holder.id);
      assert.equal(c.readBy, agent.id);
      assert.ok(c.statementText.includes(recordingNotice(RECORDING_NOTICE_VERSION, "zh-CN")!.body), c.statementText);
      assert.equal(input.captures.length, 1);
      const cap = input.captures[0]!;
      assert.equal(cap.verdict, "fail");
      assert.deepEqual(cap.override && { by: cap.override.by, reason: cap.override.reason }, { by: agent.id, reason: "反光不影响判断" });
      assert.deepEqual(cap.qualityScores, { blur: 0.05, glare: 0.1, dark: 0.02 });
      assert.equal(cap.gps?.lat, 31.2304);
      assert.equal(input.qualityModelSha256, MODEL_SHA);
      assert.deepEqual(input.chat.map((m) => [m.from, m.text]), [[holder.id, "车在路边，右前灯坏了"]]);
      const rec = input.recordings[0]!;
      assert.deepEqual(rec.continuity.map((e) => e.type), ["start", "gap", "stop"]);
      const gap = rec.continuity[1]!;
      assert.equal(Date.parse(gap.until!) - Date.parse(gap.at), 2_000);
      assert.match(gap.reason!, /packet-loss; 40 packets lost/);
      assert.deepEqual(input.retention, { policyStart: "2026-01-01", policyEnd: "2026-12-31", surveyClosedOn: input.closedAt.slice(0, 10), legalHold: false });
      // Timeline: every row, dense, with parsed payloads.
      const rows = await t.db.surveyEvent.count({ where: { surveyId: s.surveyId } });
      assert.equal(input.events.length, rows);
      assert.ok(input.events.some((e) => e.type === "recording.consent" && (e.payload as { accepted: boolean }).accepted === true));
    });

    test("the consent statement quotes the notice in the language the phone showed, not the survey's", async () => {
      const s = await closedSurvey(t.db, ws.storage, { noticeLocale: "en", withMedia: false });
      const raw = await evidenceInputForSurvey(t.db, s.surveyId, { storage: ws.storage, softwareVersion: "x", qualityModelSha256: "cd".repeat(32) });
      const c = parsePackageInput(raw).consents[0]!;
      assert.ok(c.statementText.includes(recordingNotice(RECORDING_NOTICE_VERSION, "en")!.body), c.statementText);
      assert.ok(c.statementText.startsWith(`[${RECORDING_NOTICE_VERSION}, en]`), c.statementText);
    });

    test("build: waits for recordings, stores progress and result, links media, and the package verifies", async () => {
      const s = await closedSurvey(t.db, ws.storage);
      await service.build(s.surveyId);
      assert.ok(finalised.includes(s.surveyId), "the build waited for the recordings to be finalised");
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "ready", row.error ?? "");
      assert.equal(row.progress, 1);
      assert.equal(row.zipPath, null, "no zip at build time");
      assert.match(row.manifestSha256 ?? "", /^[0-9a-f]{64}$/);
      // Policy ends 2026-12-31, one-year term: kept 5 years, purgeable from the next day.
      assert.equal(row.destroyAfter?.toISOString(), "2032-01-01T00:00:00.000Z");
      const result = await verifyEvidencePackage(row.storagePath!, { expectedSurveyId: s.surveyId });
      assert.equal(result.ok, true, JSON.stringify(result.failures));
      const photo = (await fs.readdir(path.join(row.storagePath!, "photos")))[0]!;
      assert.ok((await fs.stat(path.join(row.storagePath!, "photos", photo))).nlink >= 2, "photo hard-linked, not copied");
      const types = (await t.db.surveyEvent.findMany({ where: { surveyId: s.surveyId }, orderBy: { seq: "asc" } })).map((e) => e.type);
      assert.deepEqual(types.slice(-2), ["evidence.building", "evidence.ready"]);
    });

    test("no consent answer and no policy period: the package still builds, says so, and keeps 10 years from closing", async () => {
      const s = await closedSurvey(t.db, ws.storage, { consent: "none", policyPeriod: null, withMedia: false });
      await service.build(s.surveyId);
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId }, include: { survey: true } });
      assert.equal(row.status, "ready", row.error ?? "");
      const survey = JSON.parse(await fs.readFile(path.join(row.storagePath!, "survey.json"), "utf8"));
      assert.deepEqual(survey.consents, []);
      assert.equal(survey.retention.decision.rule, "no-policy-period");
      const closed = row.survey.closedAt!.toISOString().slice(0, 10);
      const y = Number(closed.slice(0, 4)) + 10;
      assert.equal(survey.retention.decision.retainUntil, `${y}${closed.slice(4)}`);
      assert.match(survey.retention.decision.explanation, /no policy period on record/);
      assert.equal((await verifyEvidencePackage(row.storagePath!)).ok, true);
    });

    test("a loaded server's survey: the package carries the failed recording and its failure events, verifies intact and incomplete with the exact holes (text and JSON), and its PDF says so", async () => {
      const s = await recordedSurveyWithHoles(t.db, ws.storage);
      const input = parsePackageInput(await evidenceInputForSurvey(t.db, s.surveyId, { storage: ws.storage, softwareVersion: "x", qualityModelSha256: "cd".repeat(32) }));
      assert.deepEqual(input.recordings.map((r) => r.id).sort(), [`${s.agentId}-audio-1`, `${s.holderId}-audio-1`, `${s.holderId}-audio-2`, `${s.holderId}-video-1`].sort(), "the failed recording with a file is carried");
      const restarted = input.recordings.find((r) => r.id === `${s.holderId}-audio-2`)!;
      assert.equal(restarted.continuity[0]!.cause, "muxer-restart");
      assert.equal(input.events.filter((e) => e.type === "recording.track.failed").length, 3);

      await service.build(s.surveyId);
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "ready", row.error ?? "");
      const result = await verifyEvidencePackage(row.storagePath!, { expectedSurveyId: s.surveyId });
      assert.equal(result.ok, true, JSON.stringify(result.failures));
      const c = result.completeness;
      assert.equal(c.status, "incomplete");
      assert.equal(c.consentAt, s.at(10).toISOString());
      const item = (participantId: string, kind: string) => c.items.find((i) => i.participantId === participantId && i.kind === kind)!;
      const holes = (participantId: string, kind: string) => item(participantId, kind).gaps.filter((g) => !g.tolerated).map((g) => [g.from, g.to, g.fromOffset, g.toOffset, g.cause, g.codes.join(), g.errorIds.join()]);
      assert.deepEqual(holes(s.holderId, "audio"), [[s.at(22).toISOString(), s.at(135).toISOString(), "00:00:12", "00:02:05", "recording-failed", "MUXER_DIED", "ERR-PA-1"]]);
      assert.deepEqual(holes(s.agentId, "video"), [[s.at(10).toISOString(), s.at(200).toISOString(), "00:00:00", "00:03:10", "recording-failed", "MUXER_START_FAILED", "ERR-AV-1,ERR-AV-2"]]);
      assert.equal(item(s.agentId, "video").neverRecorded, true);
      assert.deepEqual(holes(s.holderId, "video"), []);
      assert.deepEqual(holes(s.agentId, "audio"), []);
      for (const part of ["policyholder audio missing 00:00:12–00:02:05", "agent video missing 00:00:00–00:03:10 (never recorded)"]) assert.ok(c.summary.includes(part), c.summary);

      const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, "verify", row.storagePath!, ...args], { encoding: "utf8" });
      const text = cli();
      assert.equal(text.status, 0, text.stdout + text.stderr);
      assert.match(text.stdout, /^VALID /);
      assert.match(text.stdout, /^COMPLETENESS incomplete: .*policyholder audio missing 00:00:12–00:02:05/m);
      const json = cli("--json");
      assert.equal(json.status, 0);
      const parsed = JSON.parse(json.stdout);
      assert.equal(parsed.ok, true);
      assert.equal(parsed.completeness.status, "incomplete");
      assert.equal(parsed.completeness.summary, c.summary);
      const gap = parsed.completeness.items.find((i: { participantId: string; kind: string }) => i.participantId === s.holderId && i.kind === "audio").gaps.find((g: { tolerated: boolean }) => !g.tolerated);
      assert.deepEqual([gap.fromOffset, gap.toOffset], ["00:00:12", "00:02:05"]);

      // The survey's language is zh-CN: the report says it in Chinese.
      const pdf = execFileSync("pdftotext", [path.join(row.storagePath!, "report.pdf"), "-"]).toString().replace(/\s+/g, "");
      for (const words of ["不完整：查勘中有应录制而未录制的部分", "缺失00:00:12–00:02:05", "从未录制", "MUXER_START_FAILED"]) assert.ok(pdf.includes(words), `"${words}" not in the PDF`);
      assert.ok(!pdf.includes("连续录制"));
    });

    test("a build interrupted by a crash is rebuilt at start; a missing source file fails the build visibly", async () => {
      const s = await closedSurvey(t.db, ws.storage, { withMedia: false });
      // As a crash leaves it: the row says building, a staging folder is lying around.
      await t.db.evidencePackage.create({ data: { surveyId: s.surveyId, status: "building", stage: "media", progress: 0.4 } });
      const partial = path.join(ws.dataDir, "evidence", "packages", `.${s.surveyId}.20260101T000000Z.partial`);
      await fs.mkdir(partial, { recursive: true });
      const resumed = await service.resumeInterrupted();
      assert.ok(resumed.includes(s.surveyId));
      await service.idle();
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "ready", row.error ?? "");
      await assert.rejects(fs.access(partial), "the crashed build's staging folder is removed");

      const broken = await closedSurvey(t.db, ws.storage);
      const cap = await t.db.capture.findFirstOrThrow({ where: { surveyId: broken.surveyId } });
      await fs.rm(ws.storage.localPath(cap.storageKey));
      await service.build(broken.surveyId);
      const failed = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: broken.surveyId } });
      assert.equal(failed.status, "failed");
      assert.match(failed.error ?? "", /sources are missing/);
      const last = await t.db.surveyEvent.findFirstOrThrow({ where: { surveyId: broken.surveyId }, orderBy: { seq: "desc" } });
      assert.equal(last.type, "evidence.failed");
    });
  });
}

test("continuity: a log that opens with a rejoin gap starts at 'start' with the gap as its reason", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 3, 0, s)).toISOString();
  const e = (type: string, s: number, extra: object = {}) => ({ v: 1, type, at: at(s), trackId: "t", rtpTimestamp: null, mediaTimeMs: null, ...extra });
  const out = mapContinuity(JSON.stringify([e("gap", 10, { cause: "rejoin", gapMs: 4000, previousFile: "s/a.webm" }), e("start", 10), e("pause", 20), e("resume", 25), e("stop", 30)]), new Date(at(9)), null);
  assert.deepEqual(out.map((x) => x.type), ["start", "pause", "resume", "stop"]);
  assert.match(out[0]!.reason!, /4000 ms gap \(rejoin; previous file s\/a\.webm\)/);
  const empty = mapContinuity("[]", new Date(at(0)), new Date(at(5)));
  assert.deepEqual(empty.map((x) => x.type), ["start", "stop"]);
});

test("continuity: a network hole logged after the packet loss it caused keeps its start and its cause", () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 3, 0, s)).toISOString();
  const e = (type: string, s: number, extra: object = {}) => ({ v: 1, type, at: at(s), trackId: "t", rtpTimestamp: null, mediaTimeMs: null, ...extra });
  // Media stopped at 12 s; when it came back at 40 s the loss counter noted the jump (at 40)
  // and the network watch logged the whole hole (28 s) at 41.
  const out = mapContinuity(
    JSON.stringify([e("start", 0), e("gap", 5, { cause: "packet-loss", lostPackets: 30, gapMs: 1000 }), e("gap", 40, { cause: "packet-loss", lostPackets: 1400, gapMs: 1000 }), e("gap", 41, { cause: "network", gapMs: 29_000 }), e("stop", 60)]),
    new Date(at(0)),
    null,
  );
  assert.deepEqual(out.map((x) => [x.type, x.cause ?? null, x.at, x.until ?? null]), [
    ["start", null, at(0), null],
    ["gap", "packet-loss", at(4), at(5)],
    ["gap", "network", at(12), at(41)],
    ["stop", null, at(60), null],
  ]);
  assert.equal(out[2]!.lostPackets, 1400, "the loss it caused stays told");
});
