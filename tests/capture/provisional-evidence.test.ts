// The evidence package links a photo's two verdicts: the compact copy's quick
// check (its SHA-256, size, verdict, scores) beside the original's, on SQLite
// and PostgreSQL; the signed timeline carries both events, and the offline
// verifier (the CLI, nothing of the live server) still verifies the package.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { appendSurveyEvent } from "../../server/domain/survey-events";
import { closedSurvey, workspace, type Workspace } from "../evidence-integration/closed-survey";
import { testEvidenceService } from "../evidence-integration/test-evidence-service";

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");

for (const kind of databaseKinds) {
  describe(`provisional verdict in the evidence package on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
    });
    after(async () => {
      await t.drop();
      await ws.remove();
    });

    test("the compact copy's hash and verdict stand beside the original's; the package verifies offline", async () => {
      const s = await closedSurvey(t.db, ws.storage);
      const capture = await t.db.capture.findUniqueOrThrow({ where: { id: s.captureId! } });
      const compact = Buffer.from("compact copy bytes as the phone sent them");
      const compactSha = createHash("sha256").update(compact).digest("hex");
      // The quick check said "accepted"; the original (closedSurvey's capture) was rejected: they disagree.
      await t.db.captureProvisional.create({
        data: {
          surveyId: s.surveyId,
          participantId: capture.participantId,
          itemKey: capture.itemKey,
          idempotencyKey: capture.idempotencyKey,
          mediaType: "image/jpeg",
          byteSize: compact.length,
          sha256: compactSha,
          width: 1280,
          height: 960,
          storageKey: `${s.surveyId}/photos/photo-0001.provisional.jpg`,
          scores: JSON.stringify({ noise: 0.4, overall: 0.7 }),
          verdict: "accepted",
          reasons: "[]",
          modelSha256: capture.modelSha256,
        },
      });
      await appendSurveyEvent(t.db, s.surveyId, { type: "capture.provisional", actorId: capture.participantId, actorRole: "policyholder", payload: { itemKey: capture.itemKey, key: capture.idempotencyKey, sha256: compactSha, verdict: "accepted" } });

      const service = testEvidenceService({ db: t.db, log: pino({ level: "silent" }), storage: ws.storage, dataDir: ws.dataDir }, { progressIntervalMs: 0 });
      try {
        await service.build(s.surveyId);
      } finally {
        service.close();
      }
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
      assert.equal(row.status, "ready", row.error ?? "");
      const record = JSON.parse(await fs.readFile(path.join(row.storagePath!, "survey.json"), "utf8")) as {
        captures: { id: string; verdict: string; file: { sha256: string }; provisional?: { sha256: string; byteSize: number; receivedAt: string; verdict: string; disagrees: boolean; qualityScores: Record<string, number> } }[];
      };
      const c = record.captures.find((x) => x.id === capture.id)!;
      assert.equal(c.file.sha256, capture.sha256, "the original's hash");
      assert.equal(c.verdict, "fail", "the original's verdict counts");
      const provisionalRow = await t.db.captureProvisional.findUniqueOrThrow({ where: { surveyId_idempotencyKey: { surveyId: s.surveyId, idempotencyKey: capture.idempotencyKey } } });
      assert.deepEqual(c.provisional, { sha256: compactSha, byteSize: compact.length, receivedAt: provisionalRow.receivedAt.toISOString(), verdict: "pass", qualityScores: { noise: 0.4, overall: 0.7 }, disagrees: true });
      const events = (await fs.readFile(path.join(row.storagePath!, "events.jsonl"), "utf8")).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; payload?: { sha256?: string } });
      assert.ok(events.some((e) => e.type === "capture.provisional" && e.payload?.sha256 === compactSha), "the quick check is on the signed timeline");

      // The auditor's verifier, as a separate process with no server code loaded.
      const verify = spawnSync(process.execPath, [CLI, "verify", row.storagePath!, "--survey", s.surveyId, "--json"], { encoding: "utf8" });
      assert.equal(verify.status, 0, verify.stdout + verify.stderr);
      assert.equal(JSON.parse(verify.stdout).ok, true);
    });
  });
}
