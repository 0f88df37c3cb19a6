// Evidence with the S3-compatible storage (spool copies evicted after upload):
// the package build fetches the photo, thumbnail and recording back from the
// bucket, the package verifies, the fetched copies leave the spool again, and
// the purge of an expired package deletes the survey's objects from the bucket.
// The composite render, the other reader that needs files, likewise.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { freshDatabase, type TestDatabase } from "../support/databases";
import { startS3Server, S3_TEST_CREDENTIALS, type TestS3Server } from "../support/s3-server";
import { createStorage } from "../../media/recording/storage/create-storage";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { EvidenceService } from "../../server/archive/evidence-service";
import { testEvidenceService } from "./test-evidence-service";
import { CompositeRenderer, type CompositeStatus } from "../../server/recording/composite-render";
import { runEvidencePurge } from "../../server/archive/evidence-purge";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { testSigner } from "../fixtures/evidence/test-signer";
import { closedSurvey } from "./closed-survey";

const log = pino({ level: "silent" });
let s3: TestS3Server;
let t: TestDatabase;
let dataDir: string;
let storage: RecordingStorage;

before(async () => {
  s3 = await startS3Server();
  t = await freshDatabase("sqlite");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "cs-evidence-s3-"));
  storage = createStorage({
    kind: "s3",
    spoolDir: path.join(dataDir, "media"),
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
  });
});
after(async () => {
  await t.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
  await s3.close();
});

/** Regular files under the spool, i.e. what the local disk still holds. */
async function spoolFiles(): Promise<string[]> {
  const root = path.join(dataDir, "media");
  const names = (await fs.readdir(root, { recursive: true }).catch(() => [] as string[])) as string[];
  const out: string[] = [];
  for (const n of names) if ((await fs.stat(path.join(root, n))).isFile()) out.push(n);
  return out;
}

test("a package is built from objects fetched back from the bucket, and an expired one is purged from the bucket", async () => {
  const s = await closedSurvey(t.db, storage);
  const stored = await s3.keys(`${s.surveyId}/`);
  assert.equal(stored.length, 4, "photo, two thumbnails and the recording are in the bucket");
  assert.deepEqual(await spoolFiles(), [], "nothing finalised stays on the local disk");

  const service = testEvidenceService({ db: t.db, log: log, storage: storage, dataDir: dataDir });
  await service.build(s.surveyId);
  const row = await t.db.evidencePackage.findUniqueOrThrow({ where: { surveyId: s.surveyId } });
  assert.equal(row.status, "ready", row.error ?? "");
  const verified = await verifyEvidencePackage(row.storagePath!);
  assert.equal(verified.ok, true, JSON.stringify(verified));
  assert.deepEqual(await spoolFiles(), [], "the copies fetched for the build are released from the spool");
  const photoInPackage = (await fs.readdir(row.storagePath!, { recursive: true })).filter((n) => String(n).includes(s.captureId!));
  assert.ok(photoInPackage.length >= 1, "the package holds the photo");

  // Policy 2026, one-year term → retained until 2031-12-31.
  const kept = await runEvidencePurge({ db: t.db, storage, signer: testSigner, dataDir, log, clock: () => new Date("2031-12-31T12:00:00Z") });
  assert.deepEqual(kept.purged, []);
  assert.equal((await s3.keys(`${s.surveyId}/`)).length, 4);

  const report = await runEvidencePurge({ db: t.db, storage, signer: testSigner, dataDir, log, clock: () => new Date("2032-01-01T00:00:00Z") });
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.purged.map((p) => p.surveyId), [s.surveyId]);
  assert.deepEqual(await s3.keys(`${s.surveyId}/`), [], "the survey's objects are deleted from the bucket");
  await assert.rejects(fs.access(row.storagePath!), "the package folder is deleted");
});

test("the composite is rendered from tracks fetched from the bucket and is itself uploaded", async () => {
  const s = await closedSurvey(t.db, storage, { withMedia: false });
  const scratch = mkdtempSync(path.join(os.tmpdir(), "cs-composite-src-"));
  const t0 = Date.now() - 10_000;
  try {
    const sources = [
      { kind: "video", args: ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=2", "-c:v", "libvpx", "-deadline", "realtime"] },
      { kind: "audio", args: ["-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libopus"] },
    ];
    for (const src of sources) {
      const file = path.join(scratch, `${src.kind}.webm`);
      execFileSync("ffmpeg", ["-nostdin", "-loglevel", "error", ...src.args, "-f", "webm", file]);
      const key = `${s.surveyId}/${s.holderId}-${src.kind}-1.webm`;
      const w = await storage.put(key);
      await w.write(await fs.readFile(file));
      await w.close();
      await storage.finalise(key);
      await t.db.recording.create({
        data: { id: `${s.holderId}-${src.kind}-1`, surveyId: s.surveyId, participantId: s.holderId, role: "policyholder", kind: src.kind, codec: "", storageKey: key, startedAt: new Date(t0), endedAt: new Date(t0 + 2000), status: "finalised" },
      });
    }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  assert.deepEqual(await spoolFiles(), [], "the tracks are only in the bucket");

  const renderer = new CompositeRenderer({ db: t.db, storage, log });
  let status: CompositeStatus = await renderer.start(s.surveyId);
  const deadline = Date.now() + 60_000;
  while (status.state === "running" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await renderer.status(s.surveyId);
  }
  assert.equal(status.state, "done", JSON.stringify(status));
  const composite = await s3.object(`${s.surveyId}/composite.webm`);
  assert.ok(composite && composite.bytes.length > 1000, "the composite is in the bucket");
  assert.equal(composite.metadata.sha256, createHash("sha256").update(composite.bytes).digest("hex"));
  assert.deepEqual(await spoolFiles(), [], "the fetched tracks and the composite leave the spool");
});
