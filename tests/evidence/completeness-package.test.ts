// Completeness in a real signed package: a survey whose policyholder audio
// has a hole (the muxer died) and whose policyholder video was never recorded
// verifies as intact (integrity valid) and incomplete, with the exact
// intervals, in the verifier's text and JSON and in the PDF's words (zh-CN and
// en). Editing the stated completeness fails integrity, or, re-signed, is
// caught by the recomputation; an old package without completeness still
// verifies, with completeness unknown.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import { type Manifest, serialiseManifest } from "../../server/evidence/manifest";
import type { PackageInputRaw } from "../../server/evidence/package-input";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { copyPackage } from "../fixtures/evidence/package-tree";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");
const T0 = Date.parse("2026-03-14T02:00:00Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const SUMMARY = "incomplete: policyholder audio missing 00:00:12–00:02:05; policyholder video missing 00:00:00–00:29:40 (never recorded)";

type Ev = [number, string, string | null, Record<string, string | number | boolean>];

/** The fixture survey, recorded as a loaded server records it: one muxer died, one never started. */
async function incompleteSurvey(dir: string, locale: "zh-CN" | "en", o: { complete?: boolean; withMediaEvents?: boolean } = {}): Promise<PackageInputRaw> {
  const input = await makeSurveyFixture(dir, { locale, surveyId: `SV-COMPLETE-${locale}${o.complete ? "-ok" : ""}${o.withMediaEvents === false ? "-old" : ""}` });
  const file = (kind: "audio" | "video") => input.recordings.find((r) => r.kind === kind)!;
  const rec = (id: string, participantId: string, kind: "audio" | "video", continuity: { type: "start" | "stop" | "gap"; at: string; cause?: string; reason?: string }[]) => ({
    ...file(kind),
    id,
    participantId,
    kind,
    continuity,
  });
  const events: Ev[] = [
    [0, "survey.opened", "p-agent", {}],
    [5, "participant.joined", "p-agent", {}],
    [6, "media.track.started", "p-agent", { producerId: "ag-a", kind: "audio", source: "mic" }],
    [40, "participant.joined", "p-holder", {}],
    [41, "media.track.started", "p-holder", { producerId: "ph-a", kind: "audio", source: "mic" }],
    [41, "media.track.started", "p-holder", { producerId: "ph-v", kind: "video", source: "camera" }],
    [50, "recording.consent", "p-holder", { accepted: true }],
    ...((o.complete
      ? []
      : [
          [51, "recording.track.failed", null, { producerId: "ph-v", kind: "video", code: "MUXER_START_FAILED", errorId: "ERR-V1", attempt: 1, willRetry: true }],
          [62, "recording.track.failed", null, { producerId: "ph-a", kind: "audio", code: "MUXER_DIED", errorId: "ERR-A7", attempt: 1, willRetry: true }],
          [90, "recording.track.failed", null, { producerId: "ph-v", kind: "video", code: "MUXER_START_FAILED", errorId: "ERR-V2", attempt: 2, willRetry: true }],
          [175, "recording.track.recovered", null, { producerId: "ph-a", kind: "audio", trackId: "rec-ph-a-2", gapFrom: at(62), gapTo: at(175) }],
        ]) as Ev[]),
    [200, "participant.joined", "p-adjuster", {}],
    [201, "media.track.started", "p-adjuster", { producerId: "ad-a", kind: "audio", source: "mic" }],
    [1700, "participant.left", "p-adjuster", { reason: "hangup" }],
    [1830, "survey.closed", "p-agent", { reason: "completed" }],
  ];
  input.events = events
    .filter(([, type]) => o.withMediaEvents !== false || !type.startsWith("media.track."))
    .map(([s, type, actorId, payload], i) => ({ seq: i + 1, at: at(s), type, actorId, actorRole: actorId ? ({ "p-agent": "agent", "p-holder": "policyholder", "p-adjuster": "adjuster" } as Record<string, string>)[actorId]! : null, payload }));
  input.recordings = [
    ...(o.complete
      ? [rec("rec-ph-a-1", "p-holder", "audio", [{ type: "start", at: at(50.5) }, { type: "stop", at: at(1830) }]), rec("rec-ph-v-1", "p-holder", "video", [{ type: "start", at: at(51) }, { type: "stop", at: at(1830) }])]
      : [
          rec("rec-ph-a-1", "p-holder", "audio", [{ type: "start", at: at(50.5) }, { type: "stop", at: at(62), cause: "error", reason: "error" }]),
          rec("rec-ph-a-2", "p-holder", "audio", [{ type: "start", at: at(175), cause: "muxer-restart", reason: "after a 113000 ms gap (muxer-restart)" }, { type: "stop", at: at(1830) }]),
        ]),
    rec("rec-ag-a-1", "p-agent", "audio", [{ type: "start", at: at(50.3) }, { type: "stop", at: at(1830) }]),
    rec("rec-ad-a-1", "p-adjuster", "audio", [{ type: "start", at: at(201.5) }, { type: "stop", at: at(1700), cause: "producer-closed" }]),
  ];
  return input;
}

/** Rewrites survey.json, updates its manifest entry and re-signs the manifest: what a key holder (or an old builder) could produce. */
async function rewriteSurveyAndResign(dir: string, change: (survey: Record<string, unknown>) => void): Promise<void> {
  const surveyPath = path.join(dir, "survey.json");
  const survey = JSON.parse(await fs.readFile(surveyPath, "utf8"));
  change(survey);
  const bytes = Buffer.from(`${JSON.stringify(survey, null, 2)}\n`);
  await fs.writeFile(surveyPath, bytes);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  const entry = manifest.files.find((f) => f.path === "survey.json")!;
  entry.size = bytes.length;
  entry.sha256 = createHash("sha256").update(bytes).digest("hex");
  const manifestBytes = serialiseManifest(manifest);
  await fs.writeFile(path.join(dir, "manifest.json"), manifestBytes);
  await fs.writeFile(path.join(dir, "manifest.sig"), await (await testSigner()).sign(manifestBytes, { signingTime: new Date() }));
}

const pdfText = (dir: string) => execFileSync("pdftotext", [path.join(dir, "report.pdf"), "-"]).toString().replace(/\s+/g, " ");
/** CJK text is wrapped anywhere: compare without any whitespace. */
const squeeze = (s: string) => s.replace(/\s+/g, "");

let work: string;
const built: Record<string, BuiltPackage> = {};

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-completeness-"));
  const signer = await testSigner();
  const out = path.join(work, "out");
  for (const locale of ["en", "zh-CN"] as const) {
    built[locale] = await buildEvidencePackage(await incompleteSurvey(path.join(work, `src-${locale}`), locale), { signer, outDir: out, zip: false });
    built[`${locale}-ok`] = await buildEvidencePackage(await incompleteSurvey(path.join(work, `src-${locale}-ok`), locale, { complete: true }), { signer, outDir: out, zip: false });
  }
  built.old = await buildEvidencePackage(await incompleteSurvey(path.join(work, "src-old"), "en", { withMediaEvents: false }), { signer, outDir: out, zip: false });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("completeness in the evidence package", () => {
  it("integrity valid, completeness incomplete, with the exact intervals and reasons (API)", async () => {
    const r = await verifyEvidencePackage(built.en!.dir);
    assert.equal(r.ok, true, JSON.stringify(r.failures));
    assert.equal(r.completeness.status, "incomplete");
    assert.equal(r.completeness.summary, SUMMARY);
    const audio = r.completeness.items.find((i) => i.participantId === "p-holder" && i.kind === "audio")!;
    const hole = audio.gaps.find((g) => !g.tolerated)!;
    assert.deepEqual([hole.from, hole.to, hole.fromOffset, hole.toOffset], [at(62), at(175), "00:00:12", "00:02:05"]);
    assert.deepEqual([hole.cause, hole.codes, hole.errorIds, hole.resumedAfter], ["recording-failed", ["MUXER_DIED"], ["ERR-A7"], "muxer-restart"]);
    const video = r.completeness.items.find((i) => i.participantId === "p-holder" && i.kind === "video")!;
    assert.equal(video.neverRecorded, true);
    assert.deepEqual(video.gaps[0]!.errorIds, ["ERR-V1", "ERR-V2"]);
    const survey = JSON.parse(await fs.readFile(path.join(built.en!.dir, "survey.json"), "utf8"));
    assert.deepEqual(survey.completeness, r.completeness, "the stated completeness is the recomputed one");
  });

  it("claims-survey verify: exit 0 (intact) with a separate COMPLETENESS line; --json carries the contract's shape", () => {
    const text = spawnSync(process.execPath, [CLI, "verify", built.en!.dir], { encoding: "utf8" });
    assert.equal(text.status, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^VALID /);
    assert.ok(text.stdout.includes(`COMPLETENESS ${SUMMARY}`), text.stdout);
    assert.match(text.stdout, /NEVER RECORDED +policyholder 张伟 video/);
    assert.match(text.stdout, /missing 00:00:12–00:02:05 \(113\.0 s, 2026-03-14T02:01:02\.000Z → 2026-03-14T02:02:55\.000Z\): recording failed: MUXER_DIED \(error id ERR-A7\); resumed after muxer-restart/);

    const json = spawnSync(process.execPath, [CLI, "verify", built.en!.dir, "--json"], { encoding: "utf8" });
    assert.equal(json.status, 0);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.ok, true);
    assert.equal(parsed.completeness.status, "incomplete");
    assert.equal(parsed.completeness.summary, SUMMARY);
    const item = parsed.completeness.items.find((i: { role: string; kind: string }) => i.role === "policyholder" && i.kind === "audio");
    for (const key of ["participantId", "role", "name", "kind", "expectedMs", "coveredMs", "gaps", "neverRecorded"]) assert.ok(key in item, `items[].${key}`);
    const gap = item.gaps.find((g: { tolerated: boolean }) => !g.tolerated);
    assert.deepEqual(
      { from: gap.from, to: gap.to, fromOffset: gap.fromOffset, toOffset: gap.toOffset },
      { from: at(62), to: at(175), fromOffset: "00:00:12", toOffset: "00:02:05" },
    );
    assert.equal(typeof gap.reason, "string");
    assert.equal(item.expectedMs, (1830 - 50) * 1000);
  });

  it("en PDF: says incomplete in words, each missing stretch and why; no claim of continuity", () => {
    const text = pdfText(built.en!.dir);
    for (const s of [
      "Recording completeness",
      "INCOMPLETE: parts of the survey that should have been recorded were not recorded.",
      "Policyholder", // the role's label, from the report's own strings
      "Never recorded: no recording of this track exists.",
      "Missing 00:00:12–00:02:05",
      "the recording failed; the recorder restarted; the track continues in a new file (failure code MUXER_DIED; error id ERR-A7)",
      "Missing 00:00:00–00:29:40",
      "the recording failed (failure code",
      "MUXER_START_FAILED; error id ERR-V1, ERR-V2)",
      "Gaps shorter than 2 s (recorder start-up, waiting for the first keyframe) are tolerated.",
    ]) {
      assert.ok(text.includes(s), `"${s}" not in the PDF text: ${text.slice(text.indexOf("Recording completeness"), text.indexOf("Recording completeness") + 1500)}`);
    }
    assert.ok(!/Continuous/i.test(text), "the PDF claims continuity");
    assert.ok(!text.includes("Complete: every expected"), "the PDF claims completeness");
  });

  it("zh-CN PDF: 不完整, the missing stretches and their causes in Chinese; no 连续录制 claim", () => {
    const text = squeeze(pdfText(built["zh-CN"]!.dir));
    for (const s of [
      "录制完整性",
      "不完整：查勘中有应录制而未录制的部分",
      "从未录制：该轨道没有任何录制文件。",
      "缺失00:00:12–00:02:05",
      "录制失败；录制进程重启，之后在新文件中继续录制（错误码MUXER_DIED；错误编号ERR-A7）",
      "缺失00:00:00–00:29:40",
      "短于2秒的中断（录制启动、等待首个关键帧）视为可接受",
    ]) {
      assert.ok(text.includes(squeeze(s)), `"${s}" not in the PDF text: ${text.slice(text.indexOf("录制完整性"), text.indexOf("录制完整性") + 800)}`);
    }
    assert.ok(!text.includes("连续录制"), "the PDF claims continuous recording");
    assert.ok(!text.includes(squeeze("完整：每位参与人应录制的音频和视频均已录制")), "the PDF claims completeness");
  });

  it("a completely recorded survey says complete, in both languages, and verifies so", async () => {
    const r = await verifyEvidencePackage(built["en-ok"]!.dir);
    assert.equal(r.ok, true, JSON.stringify(r.failures));
    assert.equal(r.completeness.status, "complete", r.completeness.summary);
    assert.ok(pdfText(built["en-ok"]!.dir).includes("Complete: every expected audio and video track of every participant was recorded, with no gap of 2 s or more."));
    assert.ok(squeeze(pdfText(built["zh-CN-ok"]!.dir)).includes(squeeze("完整：每位参与人应录制的音频和视频均已录制，无 2 秒及以上的中断。")));
  });

  it("tamper: the stated completeness edited without re-signing fails integrity, and completeness is not taken from it", async () => {
    const dir = await copyPackage(built.en!.dir, path.join(work, "tampered"));
    const surveyPath = path.join(dir, "survey.json");
    const survey = JSON.parse(await fs.readFile(surveyPath, "utf8"));
    survey.completeness = { ...survey.completeness, status: "complete", summary: "complete: all 4 expected track(s) recorded from consent to the end", items: [] };
    await fs.writeFile(surveyPath, `${JSON.stringify(survey, null, 2)}\n`);
    const r = await verifyEvidencePackage(dir);
    assert.equal(r.ok, false);
    assert.ok(r.failures.some((f) => f.path === "survey.json" && f.check === "file-hash"), JSON.stringify(r.failures));
    assert.equal(r.completeness.status, "unknown");
    assert.equal(r.completeness.unknownReason, "integrity-failed");
  });

  it("tamper: an edited completeness re-signed with the key is caught by the recomputation, which is what is reported", async () => {
    const dir = await copyPackage(built.en!.dir, path.join(work, "resigned"));
    await rewriteSurveyAndResign(dir, (survey) => {
      const c = survey.completeness as Record<string, unknown>;
      survey.completeness = { ...c, status: "complete", summary: "complete: all 4 expected track(s) recorded from consent to the end" };
    });
    const r = await verifyEvidencePackage(dir);
    assert.equal(r.checks["manifest-signature"], "pass");
    assert.equal(r.checks["file-hash"], "pass");
    assert.equal(r.ok, false);
    const f = r.failures.find((x) => x.check === "consistency")!;
    assert.equal(f.path, "survey.json");
    assert.match(f.message, /completeness stated in survey\.json differs/);
    assert.equal(f.expected, SUMMARY);
    assert.equal(r.completeness.summary, SUMMARY);
  });

  it("an old package (no completeness stated, no media.track events) still verifies; completeness is unknown, with the reason", async () => {
    const dir = await copyPackage(built.old!.dir, path.join(work, "old"));
    await rewriteSurveyAndResign(dir, (survey) => {
      delete survey.completeness;
    });
    const r = await verifyEvidencePackage(dir);
    assert.equal(r.ok, true, JSON.stringify(r.failures));
    assert.equal(r.completeness.status, "unknown");
    assert.equal(r.completeness.unknownReason, "no-media-events");
    const text = spawnSync(process.execPath, [CLI, "verify", dir], { encoding: "utf8" });
    assert.equal(text.status, 0);
    assert.match(text.stdout, /^VALID /);
    assert.match(text.stdout, /COMPLETENESS unknown: the timeline does not say when cameras and microphones were on/);
    assert.ok(pdfText(built.old!.dir).includes("Completeness cannot be stated: the timeline does not record when cameras and microphones were on"));
  });
});
