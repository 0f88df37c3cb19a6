// A full disk must surface as an 'error' event with code DISK_FULL, stop the
// survey's recording cleanly and keep what was written playable. The full disk
// is real: a 2 MiB tmpfs (this test needs root, as CI has here).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { types as ms } from "mediasoup";
import { RecordingError } from "../../media/recording/recording-error";
import { LocalDiskStorage } from "../../media/recording/storage/local-disk-storage";
import { SurveyRecorder, type RecordingSummary } from "../../media/recording/survey-recorder";
import { createSyntheticProducer, createTestRouter, decodesFirstSecond, makeTestMedia, probe, silentLogger, type SyntheticProducer, type TestMedia } from "./helpers";

let dir: string;
let mountPoint: string;
let media: TestMedia;
let worker: ms.Worker;
let router: ms.Router;
const producers: SyntheticProducer[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "rec-full-"));
  media = await makeTestMedia(dir);
  mountPoint = path.join(dir, "tiny");
  await mkdir(mountPoint);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mountPoint]);
  ({ worker, router } = await createTestRouter());
});

after(async () => {
  for (const p of producers) p.close();
  worker?.close();
  if (mountPoint) execFileSync("umount", ["-l", mountPoint]);
  await rm(dir, { recursive: true, force: true });
});

test("ENOSPC becomes a DISK_FULL error, recording stops cleanly, written media stays playable", async () => {
  // Leave ~200 KB free: a few seconds of 300 kbit/s video.
  const st = await statfs(mountPoint);
  const free = st.bavail * st.bsize;
  await writeFile(path.join(mountPoint, "filler"), Buffer.alloc(free - 200 * 1024));

  const storage = new LocalDiskStorage(mountPoint);
  const rec = new SurveyRecorder({ router, surveyId: "survey-full", storage, logger: silentLogger });
  const errors: RecordingError[] = [];
  rec.on("error", (e) => errors.push(e));
  const stopped: RecordingSummary[] = [];
  const allStopped = new Promise<void>((resolve) =>
    rec.on("trackstopped", (s) => {
      stopped.push(s);
      if (stopped.length === 2) resolve();
    }),
  );
  for (const kind of ["video", "audio"] as const) {
    const p = await createSyntheticProducer(router, kind, kind === "video" ? media.video : media.audio);
    producers.push(p);
    await rec.addProducer(p.producer, { participantId: "ph1", role: "policyholder" });
  }
  const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("recording did not stop on a full disk")), 30_000));
  await Promise.race([allStopped, timeout]);

  assert.ok(errors.length >= 1);
  assert.ok(errors.every((e) => e instanceof RecordingError));
  assert.equal(errors[0]!.code, "DISK_FULL");
  for (const s of stopped) {
    assert.equal(s.stopCause, "error");
    assert.equal(s.error, "DISK_FULL");
  }
  // The survey itself goes on (the recorder closes normally, nothing throws).
  const all = await rec.close();
  assert.equal(all.length, 2);
  const video = stopped.find((s) => s.kind === "video")!;
  assert.equal(video.files.length, 1, "the partial video is kept");
  const file = storage.localPath(video.files[0]!.key);
  assert.equal((await probe(file)).codec, "vp8");
  assert.ok(await decodesFirstSecond(file, "video"));
});
