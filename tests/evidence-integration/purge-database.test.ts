// The purge job against the real database store (SQLite and PostgreSQL) with a
// controlled clock: before the destroy-after date nothing goes; after it the
// package folder and the survey's media go, a signed tombstone is written, the
// row is marked purged; a legal hold keeps everything; a dry run deletes nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import { runEvidencePurge, tombstoneLogPath } from "../../server/archive/evidence-purge";
import { verifyTombstoneLog } from "../../server/evidence/tombstone-log";
import { pemBlocks } from "../../server/evidence/signer/pem";
import { testSigner } from "../fixtures/evidence/test-signer";
import { closedSurvey, workspace, type Workspace } from "./closed-survey";

const log = pino({ level: "silent" });

for (const kind of databaseKinds) {
  describe(`evidence purge on ${kind}`, () => {
    let t: TestDatabase;
    let ws: Workspace;
    let expiring: Awaited<ReturnType<typeof closedSurvey>>;
    let held: Awaited<ReturnType<typeof closedSurvey>>;
    const purge = (iso: string, dryRun = false) =>
      runEvidencePurge({ db: t.db, storage: ws.storage, signer: testSigner, dataDir: ws.dataDir, log, clock: () => new Date(iso), dryRun });

    before(async () => {
      t = await freshDatabase(kind);
      ws = workspace();
      const service = testEvidenceService({ db: t.db, log: log, storage: ws.storage, dataDir: ws.dataDir });
      // Both: policy 2026, one-year term → retained until 2031-12-31.
      expiring = await closedSurvey(t.db, ws.storage);
      held = await closedSurvey(t.db, ws.storage);
      // A driver's signature on each (the row as the statement procedures store it).
      for (const s of [expiring, held]) {
        await t.db.statementSignature.create({
          data: { surveyId: s.surveyId, participantId: s.holderId, locale: "zh-CN", statementText: "声明\n", statementSha256: "e".repeat(64), imagePng: Buffer.from("png"), imageSha256: "f".repeat(64), strokes: "{}" },
        });
      }
      await service.build(expiring.surveyId);
      await service.build(held.surveyId);
      await t.db.evidencePackage.update({ where: { surveyId: held.surveyId }, data: { legalHold: true } });
      for (const id of [expiring.surveyId, held.surveyId]) assert.equal((await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: id } })).status, "ready");
    });
    after(async () => {
      await t.drop();
      await ws.remove();
    });

    const media = (surveyId: string) => ws.storage.list(`${surveyId}/`);

    test("on the last retention day nothing is purged", async () => {
      const report = await purge("2031-12-31T23:59:59Z");
      assert.deepEqual(report.purged, []);
      assert.equal(report.kept.length, 2);
      assert.ok((await media(expiring.surveyId)).length >= 3);
    });

    test("a dry run after expiry lists the package and deletes nothing", async () => {
      const report = await purge("2032-01-01T00:00:00Z", true);
      assert.equal(report.wouldPurge.length, 1);
      assert.equal((await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: expiring.surveyId } })).status, "ready");
      await assert.rejects(fs.access(tombstoneLogPath(ws.dataDir)));
    });

    test("after expiry: package and media deleted, tombstone signed, row purged, timeline noted; the held one stays", async () => {
      const before = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: expiring.surveyId } });
      const report = await purge("2032-01-01T00:00:00Z");
      assert.deepEqual(report.errors, []);
      assert.equal(report.purged.length, 1);
      assert.equal(report.purged[0]!.surveyId, expiring.surveyId);
      assert.equal(report.purged[0]!.manifestSha256, before.manifestSha256);
      assert.deepEqual(report.kept.map((k) => [k.reason]), [["legal-hold"]]);

      await assert.rejects(fs.access(before.storagePath!), "package folder deleted");
      assert.deepEqual(await media(expiring.surveyId), [], "photos and recordings deleted");
      assert.equal(await t.db.statementSignature.count({ where: { surveyId: expiring.surveyId } }), 0, "the hand signature and statement deleted");
      assert.equal(await t.db.statementSignature.count({ where: { surveyId: held.surveyId } }), 1, "the held survey's signature stays");
      const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: expiring.surveyId } });
      assert.equal(row.status, "purged");
      assert.equal(row.purgedAt?.toISOString(), "2032-01-01T00:00:00.000Z");
      const last = await t.db.surveyEvent.findFirstOrThrow({ where: { surveyId: expiring.surveyId }, orderBy: { seq: "desc" } });
      assert.equal(last.type, "evidence.purged");

      const signer = await testSigner();
      const check = await verifyTombstoneLog(tombstoneLogPath(ws.dataDir), pemBlocks(signer.certificateChainPem(), "CERTIFICATE")[0]);
      assert.equal(check.ok, true, JSON.stringify(check.problems));
      assert.equal(check.entries.length, 1);

      const heldRow = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: held.surveyId } });
      assert.equal(heldRow.status, "ready");
      await fs.access(heldRow.storagePath!);
      assert.ok((await media(held.surveyId)).length >= 3);

      // Purged stays purged: the next run does not see it again.
      const again = await purge("2040-01-01T00:00:00Z");
      assert.deepEqual(again.purged, []);
    });
  });
}
