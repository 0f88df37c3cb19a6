// A track's end on a busy server (real mediasoup router, real ffmpeg, real
// RTP; no browser). ffmpeg frozen mid-track (SIGSTOP, as a starved core
// leaves it) holds seconds of media unread in its socket when the track is
// stopped: the recorder must let it read them all before it ends the file, and
// when ffmpeg never reads them, the file's missing end must be logged as a
// hole rather than claimed as recorded.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { continuityEntrySchema, type ContinuityEntry } from "../../media/recording/continuity-log";
import { SurveyRecorder, type RecordingSummary } from "../../media/recording/survey-recorder";
import { mapContinuity } from "../../server/archive/evidence-input";
import { muxerProcesses } from "../support/muxer-processes";
import {
  closeRecorderTestBed,
  createSyntheticProducer,
  decodesFirstSecond,
  openRecorderTestBed,
  probe,
  silentLogger,
  sleep,
  type RecorderTestBed,
  type SyntheticProducer,
} from "./helpers";

let { dir, media, worker, router, storage } = {} as RecorderTestBed;
const producers: SyntheticProducer[] = [];

before(async () => {
  ({ dir, media, worker, router, storage } = await openRecorderTestBed("rec-drain-"));
});

after(async () => {
  await closeRecorderTestBed({ dir, worker }, producers);
});

async function readLog(s: RecordingSummary): Promise<ContinuityEntry[]> {
  const text = await readFile(storage.localPath(s.continuityLog!.key), "utf8");
  return text.trim().split("\n").map((l) => continuityEntrySchema.parse(JSON.parse(l)));
}

/** Records one audio and one video track, freezes both muxers for `frozenMs` while media flows, then stops the survey. */
async function recordWithFrozenMuxers(surveyId: string, opts: { frozenMs: number; thawAfterStopMs: number; stopDrainStalledMs?: number }) {
  const rec = new SurveyRecorder({ router, surveyId, storage, logger: silentLogger, stopDrainStalledMs: opts.stopDrainStalledMs });
  const errors: unknown[] = [];
  rec.on("error", (e) => errors.push(e));
  const audio = await createSyntheticProducer(router, "audio", media.audio);
  const video = await createSyntheticProducer(router, "video", media.video);
  producers.push(audio, video);
  await rec.addProducer(audio.producer, { participantId: `${surveyId}-p`, role: "policyholder" });
  await rec.addProducer(video.producer, { participantId: `${surveyId}-p`, role: "policyholder" });
  await sleep(5000);
  const muxers = muxerProcesses(process.pid, path.join(storage.root, surveyId));
  assert.equal(muxers.length, 2, "one muxer per track");
  for (const m of muxers) process.kill(m.pid, "SIGSTOP");
  await sleep(opts.frozenMs);
  const closing = rec.close();
  await sleep(opts.thawAfterStopMs);
  for (const m of muxers) process.kill(m.pid, "SIGCONT");
  const summaries = await closing;
  assert.equal(summaries.length, 2);
  return { summaries, errors };
}

describe("stopping a track whose muxer has fallen behind", () => {
  test("the muxer reads its whole backlog before the file is ended: the file holds every packet forwarded", { timeout: 120_000 }, async () => {
    // Frozen 4 s while media flows, still frozen 2 s into the stop: ~6 s of
    // media (well within the socket buffer) wait unread when the stop begins.
    const { summaries, errors } = await recordWithFrozenMuxers("survey-drain", { frozenMs: 4000, thawAfterStopMs: 2000 });
    assert.deepEqual(errors, []);
    for (const s of summaries) {
      const file = storage.localPath(s.files[0]!.key);
      const info = await probe(file);
      const log = await readLog(s);
      const stop = log.at(-1)!;
      assert.equal(stop.type, "stop", `${s.trackId}: the log ends with its stop`);
      assert.ok(stop.rtpTimestamp !== null && stop.mediaTimeMs !== null, `${s.trackId}: the stop names the last packet forwarded`);
      const forwardedS = stop.mediaTimeMs! / 1000;
      assert.ok(forwardedS >= 8, `${s.trackId}: ${forwardedS} s forwarded`);
      assert.ok(Math.abs(info.durationS - forwardedS) <= 0.5, `${s.trackId}: file ${info.durationS.toFixed(2)} s holds the ${forwardedS.toFixed(2)} s forwarded`);
      assert.ok(!log.some((e) => e.type === "gap"), `${s.trackId}: nothing missing, nothing logged missing (${JSON.stringify(log.filter((e) => e.type === "gap"))})`);
      assert.ok(s.cleanlyFinalised, `${s.trackId}: ffmpeg wrote its own trailer`);
      assert.ok(await decodesFirstSecond(file, s.kind), `${s.trackId}: decodes`);
    }
  });

  test("a muxer that never reads its backlog: the file's missing end is logged as a 'tail-not-written' hole, and the package's coverage excludes it", { timeout: 120_000 }, async () => {
    // Frozen 4 s and kept frozen past the (shortened) drain wait: the backlog is never read.
    const { summaries } = await recordWithFrozenMuxers("survey-tail", { frozenMs: 4000, thawAfterStopMs: 4000, stopDrainStalledMs: 1500 });
    for (const s of summaries) {
      const file = storage.localPath(s.files[0]!.key);
      const info = await probe(file);
      const log = await readLog(s);
      const stop = log.at(-1)!;
      const gap = log.at(-2)!;
      assert.equal(stop.type, "stop");
      assert.equal(gap.type, "gap", `${s.trackId}: a hole is logged before the stop (${JSON.stringify(log.slice(-2))})`);
      assert.equal(gap.cause, "tail-not-written");
      assert.equal(gap.at, stop.at, "the hole ends where the track stopped");
      const forwardedS = stop.mediaTimeMs! / 1000;
      // What is logged missing is exactly what the file lacks.
      assert.ok(Math.abs(gap.gapMs! / 1000 - (forwardedS - info.durationS)) <= 0.05, `${s.trackId}: hole ${gap.gapMs} ms = forwarded ${forwardedS} s − file ${info.durationS} s`);
      assert.ok(gap.gapMs! >= 3000, `${s.trackId}: the frozen seconds are missing (${gap.gapMs} ms)`);
      assert.ok(await decodesFirstSecond(file, s.kind), `${s.trackId}: what was written still decodes`);
      // The evidence package's view of the track: covered up to the hole, not to the stop.
      const continuity = mapContinuity(JSON.stringify(log), new Date(s.startedAt!), new Date(s.endedAt));
      const hole = continuity.find((e) => e.type === "gap");
      assert.ok(hole && hole.cause === "tail-not-written" && hole.until === stop.at, `the package's log has the hole (${JSON.stringify(continuity)})`);
      assert.equal(new Date(hole.until!).getTime() - new Date(hole.at).getTime(), gap.gapMs);
    }
  });
});

describe("stopping a track just after a packet was lost", () => {
  test("the packets ffmpeg holds behind the hole, waiting for the lost one, are written before the file is ended", { timeout: 120_000 }, async () => {
    // ffmpeg keeps the packets after a missing one in its reorder queue for up
    // to -max_delay (2 s), in case the lost one still comes. An end of input in
    // that window would drop the queue: the last second or two of the track.
    const rec = new SurveyRecorder({ router, surveyId: "survey-hole", storage, logger: silentLogger });
    let dropNext = false;
    const audio = await createSyntheticProducer(router, "audio", media.audio, {
      drop: () => {
        if (!dropNext) return false;
        dropNext = false;
        return true;
      },
    });
    producers.push(audio);
    await rec.addProducer(audio.producer, { participantId: "survey-hole-p", role: "policyholder" });
    await sleep(4000);
    dropNext = true;
    await sleep(1500);
    const [s] = await rec.close();
    const log = await readLog(s!);
    const stop = log.at(-1)!;
    const info = await probe(storage.localPath(s!.files[0]!.key));
    const forwardedS = stop.mediaTimeMs! / 1000;
    assert.ok(forwardedS >= 4, `${forwardedS} s forwarded`);
    assert.ok(Math.abs(info.durationS - forwardedS) <= 0.3, `file ${info.durationS.toFixed(2)} s holds the ${forwardedS.toFixed(2)} s forwarded`);
    assert.ok(!log.some((e) => e.type === "gap" && e.cause === "tail-not-written"), `no tail missing (${JSON.stringify(log.filter((e) => e.type === "gap"))})`);
  });
});
