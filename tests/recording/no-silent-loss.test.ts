// No silent loss in the recorder itself (real mediasoup router, real ffmpeg,
// real RTP; no browser): a muxer whose start is delayed far beyond the old
// 5-second deadline, on a machine whose cores are saturated, still records
// its track, and the start entry logs the exact gap from the request to the
// first frame; a muxer killed mid-track is reported, and the producer goes on
// in a new file whose continuity log opens with a 'muxer-restart' gap.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { continuityEntrySchema } from "../../media/recording/continuity-log";
import {
  SurveyRecorder,
  type RecordingSummary,
  type TrackFailedEvent,
  type TrackRecoveredEvent,
  type TrackStartedEvent,
  type TrackStateEvent,
} from "../../media/recording/survey-recorder";
import { startCpuHog, type CpuHog } from "../support/cpu-hog";
import { muxerProcesses } from "../support/muxer-processes";
import {
  closeRecorderTestBed,
  createSyntheticProducer,
  decodesFirstSecond,
  openRecorderTestBed,
  keptLogger,
  probe,
  sleep,
  type RecorderTestBed,
  type SyntheticProducer,
} from "./helpers";

let { dir, media, worker, router, storage } = {} as RecorderTestBed;
let hog: CpuHog | undefined;
const producers: SyntheticProducer[] = [];

before(async () => {
  ({ dir, media, worker, router, storage } = await openRecorderTestBed("rec-loss-"));
});

after(async () => {
  await hog?.stop();
  await closeRecorderTestBed({ dir, worker }, producers);
});

async function waitFor<T>(what: string, check: () => T | undefined, deadlineMs = 120_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test("a muxer delayed 12 s on saturated cores still records; a killed muxer continues in a new file with a muxer-restart gap", { timeout: 300_000 }, async () => {
  const DELAY_MS = 12_000;
  const kept = keptLogger();
  const rec = new SurveyRecorder({ router, surveyId: "survey-loss", storage, logger: kept.logger, muxerStartDelayMs: DELAY_MS });
  const started: TrackStartedEvent[] = [];
  const failed: TrackFailedEvent[] = [];
  const recovered: TrackRecoveredEvent[] = [];
  const states: TrackStateEvent[] = [];
  const stopped: RecordingSummary[] = [];
  rec.on("trackstarted", (e) => started.push(e));
  rec.on("trackfailed", (e) => failed.push(e));
  rec.on("trackrecovered", (e) => recovered.push(e));
  rec.on("trackstate", (e) => states.push(e));
  rec.on("trackstopped", (s) => stopped.push(s));

  hog = startCpuHog();
  const audio = await createSyntheticProducer(router, "audio", media.audio);
  const video = await createSyntheticProducer(router, "video", media.video);
  producers.push(audio, video);
  const askedAt = Date.now();
  await Promise.all([
    rec.addProducer(audio.producer, { participantId: "ph1", role: "policyholder" }),
    rec.addProducer(video.producer, { participantId: "ph1", role: "policyholder" }),
  ]);
  // Both started only after the delay, and both did start: no deadline decided against them.
  await waitFor("both tracks to write their first frame", () => started.length === 2);
  assert.ok(Date.now() - askedAt >= DELAY_MS, "the muxers really were delayed");
  assert.equal(failed.length, 0, `a slow muxer is not a failure: ${JSON.stringify(failed)}\n${kept.lines.join("\n")}`);
  for (const s of started) {
    const gap = Date.parse(s.at) - Date.parse(s.requestedAt);
    assert.ok(gap >= DELAY_MS && gap < DELAY_MS + 30_000, `${s.kind}: requestedAt → firstFrameAt = ${gap} ms`);
  }
  assert.ok(states.some((s) => s.state === "starting") && states.filter((s) => s.state === "recording").length === 2, "states: starting, then recording");
  await hog.stop();
  hog = undefined;

  // Kill the audio muxer mid-track, found as an operator would: a child of this process with the file in its command line.
  await sleep(3000);
  const [victim, ...others] = muxerProcesses(process.pid, "ph1-audio-1.webm");
  assert.ok(victim && others.length === 0, "exactly one muxer writes ph1-audio-1.webm");
  const killedAt = Date.now();
  process.kill(victim.pid, "SIGKILL");
  await waitFor("the audio track to be recovered", () => recovered.length === 1);
  assert.equal(failed.length, 1);
  assert.deepEqual({ code: failed[0]!.code, willRetry: failed[0]!.willRetry, kind: failed[0]!.kind }, { code: "MUXER_DIED", willRetry: true, kind: "audio" });
  assert.match(failed[0]!.errorId, /^rec-[0-9a-f]{10}$/);
  assert.equal(recovered[0]!.trackId, "ph1-audio-2");
  // The new muxer is delayed too: the hole lasts at least the delay, and is logged to the millisecond.
  const hole = Date.parse(recovered[0]!.gapTo) - Date.parse(recovered[0]!.gapFrom);
  assert.ok(hole >= DELAY_MS, `gap ${hole} ms`);
  assert.ok(Math.abs(Date.parse(recovered[0]!.gapFrom) - killedAt) < 3000, "the gap starts when the muxer died");

  await sleep(3000);
  const all = await rec.close();
  assert.deepEqual(all.map((s) => s.trackId).sort(), ["ph1-audio-1", "ph1-audio-2", "ph1-video-1"]);
  const first = all.find((s) => s.trackId === "ph1-audio-1")!;
  const second = all.find((s) => s.trackId === "ph1-audio-2")!;
  assert.equal(first.stopCause, "error");
  assert.equal(first.error, "MUXER_DIED");
  assert.equal(first.files.length, 1, "the file cut by the death is kept");
  for (const s of all) {
    const file = storage.localPath(s.files[0]!.key);
    assert.equal((await probe(file)).codec, s.kind === "video" ? "vp8" : "opus");
    assert.ok(await decodesFirstSecond(file, s.kind), `${s.trackId} decodes`);
  }
  // The continuity logs on disk: the first file's start names the start-up gap, the second opens with the restart gap.
  const log = async (s: RecordingSummary) =>
    (await readFile(storage.localPath(s.continuityLog!.key), "utf8")).trim().split("\n").map((l) => continuityEntrySchema.parse(JSON.parse(l)));
  const firstLog = await log(first);
  const start = firstLog.find((e) => e.type === "start")!;
  assert.ok(start.requestedAt && (start.startupGapMs ?? 0) >= DELAY_MS, `start entry: ${JSON.stringify(start)}`);
  const secondLog = await log(second);
  assert.equal(secondLog[0]!.type, "gap");
  assert.equal(secondLog[0]!.cause, "muxer-restart");
  assert.equal(secondLog[0]!.previousFile, first.files[0]!.key);
  assert.ok((secondLog[0]!.gapMs ?? 0) >= 0);
  assert.equal(secondLog[1]!.type, "start");
  assert.equal(muxerProcesses(process.pid, storage.root).length, 0, "no muxer left after close");
});
