// Which simulcast layer the recording writes (real mediasoup router, real
// ffmpeg senders and muxer; no browser). The evidence must carry the best
// picture the sender sends, whatever its bitrate: faces and ID cards have to
// be legible years later. Nothing on the loopback to ffmpeg limits bandwidth,
// so no bandwidth estimate may choose a lower layer for it, and nothing but the
// track's own media may reach the muxer. When the sender stops its best layer,
// the picture's hole until a keyframe of another is named, not passed as covered.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as mediasoup from "mediasoup";
import type { types as ms } from "mediasoup";
import { SurveyRecorder } from "../../media/recording/survey-recorder";
import { until } from "../support/until";
import { mapContinuity } from "../../server/archive/evidence-input";
import {
  closeRecorderTestBed,
  createSimulcastProducer,
  decodedSizes,
  makeSimulcastLayers,
  openRecorderTestBed,
  packetTimes,
  silentLogger,
  sleep,
  type RecorderTestBed,
  type SyntheticProducer,
} from "./helpers";

let bed = {} as RecorderTestBed;
const producers: SyntheticProducer[] = [];
// Every transport the router makes (the recorder's own included) and every consumer on them, through mediasoup's public observer.
const transports: ms.Transport[] = [];
const consumers: ms.Consumer[] = [];
const onNewTransport = (t: ms.Transport) => {
  transports.push(t);
  t.observer.on("newconsumer", (c) => consumers.push(c));
};
const onNewRouter = (r: ms.Router) => r.observer.on("newtransport", onNewTransport);
const onNewWorker = (w: ms.Worker) => w.observer.on("newrouter", onNewRouter);

before(async () => {
  mediasoup.observer.on("newworker", onNewWorker);
  bed = await openRecorderTestBed("rec-layers-");
});

after(async () => {
  mediasoup.observer.off("newworker", onNewWorker);
  await closeRecorderTestBed(bed, producers);
});

test("a simulcast sender's best layer is recorded although it is above 600 kbit/s, and no probe packet reaches the muxer", { timeout: 120_000 }, async () => {
  // Three layers as a phone sends them; the best well above the 600 kbit/s a
  // bandwidth estimate without feedback would start from (and stay at).
  const layers = await makeSimulcastLayers(bed.dir, [
    { width: 160, height: 120, kbps: 100 },
    { width: 320, height: 240, kbps: 300 },
    { width: 640, height: 480, kbps: 1500 },
  ]);
  const sender = await createSimulcastProducer(bed.router, layers);
  producers.push(sender);
  // Let the producer see all three layers before the recording chooses one.
  await sleep(2_000);
  const rec = new SurveyRecorder({ router: bed.router, surveyId: "survey-layers", storage: bed.storage, logger: silentLogger });
  const before = new Set(transports);
  await rec.addProducer(sender.producer, { participantId: "ph1", role: "policyholder" });
  await sleep(6_000);
  const recorderTransports = transports.filter((t) => !before.has(t) && !t.closed);
  assert.equal(recorderTransports.length, 1, "the recorder made one transport for the track");
  const [stats] = (await recorderTransports[0]!.getStats()) as ms.BaseTransportStats[];
  const summaries = await rec.close();

  assert.equal(stats?.probationBytesSent, 0, `no bandwidth probe packets were sent to the muxer (${stats?.probationBytesSent} bytes)`);
  assert.equal(stats?.availableOutgoingBitrate, undefined, `no bandwidth estimate runs on the muxer's transport (${stats?.availableOutgoingBitrate} bit/s)`);
  const video = summaries[0]!;
  assert.equal(video.files.length, 1);
  const decoded = await decodedSizes(bed.storage.localPath(video.files[0]!.key));
  assert.ok(decoded.frames >= 3 * 15, `decoded ${decoded.frames} frames`);
  assert.deepEqual(decoded.sizes, ["640x480"], `the file holds the best layer only (sizes ${decoded.sizes.join(", ")})`);
  const layerEntries = video.entries.filter((e) => e.type === "layers");
  assert.ok(layerEntries.length >= 1 && layerEntries.every((e) => e.spatialLayer === 2), `the continuity log names layer 2 (${JSON.stringify(layerEntries)})`);
});

test("the best layer stops mid-recording: the picture's hole until the next layer's keyframe is logged as 'no-frames' and kept out of the package's coverage", { timeout: 120_000 }, async () => {
  // The middle layer sends a keyframe every 3 s, as a phone's does unless asked:
  // when the best layer stops, the recording has no picture until that keyframe.
  const layers = await makeSimulcastLayers(bed.dir, [
    { width: 160, height: 120, kbps: 100 },
    { width: 320, height: 240, kbps: 300, keyframeEveryS: 3 },
    { width: 640, height: 480, kbps: 800 },
  ]);
  const sender = await createSimulcastProducer(bed.router, layers);
  producers.push(sender);
  await sleep(2_000);
  const rec = new SurveyRecorder({ router: bed.router, surveyId: "survey-layer-stall", storage: bed.storage, logger: silentLogger });
  await rec.addProducer(sender.producer, { participantId: "ph1", role: "policyholder" });
  await sleep(4_000);
  const stoppedAt = Date.now();
  sender.layerSenders[2]!.kill("SIGKILL");
  await sleep(7_000);
  const [video] = await rec.close();
  const log = video!.entries;

  const decoded = await decodedSizes(bed.storage.localPath(video!.files[0]!.key));
  assert.deepEqual(decoded.sizes.sort(), ["320x240", "640x480"], `the file holds the best layer, then the one below (${decoded.sizes.join(", ")})`);
  const holes = log.filter((e) => e.type === "gap" && e.cause === "no-frames");
  assert.equal(holes.length, 1, `one hole in the picture is logged (${JSON.stringify(log.filter((e) => e.type === "gap" || e.type === "layers"))})`);
  const hole = holes[0]!;
  assert.ok(hole.gapMs! >= 1000 && hole.gapMs! <= 6000, `the hole lasts from the best layer's last frame to the next keyframe below (${hole.gapMs} ms)`);
  // Placed on the wall clock after the sender stopped, before the track did.
  const holeEnd = Date.parse(hole.at);
  assert.ok(holeEnd - hole.gapMs! >= stoppedAt - 1500 && holeEnd <= Date.parse(video!.endedAt), `hole ${new Date(holeEnd - hole.gapMs!).toISOString()} → ${hole.at}, layer stopped ${new Date(stoppedAt).toISOString()}`);
  // The file itself shows it: no frame inside the logged hole.
  const times = await packetTimes(bed.storage.localPath(video!.files[0]!.key));
  const inside = times.filter((t) => t * 1000 > hole.mediaTimeMs! - hole.gapMs! + 1 && t * 1000 < hole.mediaTimeMs! - 1);
  assert.deepEqual(inside, [], "no frame lies inside the logged hole");
  // The evidence package's view: the hole is a gap of its own cause, not covered time.
  const continuity = mapContinuity(JSON.stringify(log), new Date(video!.startedAt!), new Date(video!.endedAt));
  const mapped = continuity.find((e) => e.type === "gap");
  assert.ok(mapped && mapped.cause === "no-frames" && mapped.until === hole.at, `the package's log has the hole (${JSON.stringify(continuity)})`);
});

test("a layer the sender adds after the recording started is recorded once it flows: the recording does not stay on the layer below", { timeout: 180_000 }, async () => {
  // mediasoup chooses the recording consumer's layer again only on a few events
  // (a stream's first packet or first Sender Report, a score change, a changed
  // preference). A layer that starts after the recording did cannot be switched
  // to at its first packet nor at its first Sender Report (its capture instant
  // is known only from the packet after that report), and on a clean link no
  // score changes: unless the recorder makes mediasoup choose again, the
  // recording stays on the layer below for good (the browser test saw 180 s).
  const layers = await makeSimulcastLayers(bed.dir, [
    { width: 160, height: 120, kbps: 100 },
    { width: 320, height: 240, kbps: 300 },
    { width: 640, height: 480, kbps: 800 },
  ]);
  const sender = await createSimulcastProducer(bed.router, layers, { heldBack: [2] });
  producers.push(sender);
  // Long enough for the two lower layers' Sender Reports (ffmpeg: about every 5 s).
  await sleep(7_000);
  const rec = new SurveyRecorder({ router: bed.router, surveyId: "survey-layer-added", storage: bed.storage, logger: silentLogger });
  const consumersBefore = consumers.length;
  await rec.addProducer(sender.producer, { participantId: "ph1", role: "policyholder" });
  const recorderConsumers = consumers.slice(consumersBefore);
  assert.equal(recorderConsumers.length, 1, "the recorder consumes the sender once");
  const consumer = recorderConsumers[0]!;
  await until("the recording on layer 1, the best one sent so far", async () => consumer.currentLayers?.spatialLayer === 1);
  sender.startLayer(2);
  // Taken at a keyframe of layer 2 (one a second) once mediasoup chooses again;
  // the deadline only turns a recording stuck below into a failure.
  await until("the recording on layer 2 once it flows", async () => consumer.currentLayers?.spatialLayer === 2, 90_000).catch((err: Error) => {
    throw new Error(`${err.message} (still on layer ${consumer.currentLayers?.spatialLayer})`);
  });
  await sleep(2_000);
  const [video] = await rec.close();
  // (On a starved machine the recording may open on layer 0 before layer 1's first Sender
  // Report has been used; it is on layer 1 before layer 2 starts, waited for above.)
  const decoded = await decodedSizes(bed.storage.localPath(video!.files[0]!.key));
  assert.ok(decoded.sizes.includes("320x240") && decoded.sizes.includes("640x480"), `the file holds layer 1, then layer 2 (${decoded.sizes.join(", ")})`);
  const layerEntries = video!.entries.filter((e) => e.type === "layers").map((e) => e.spatialLayer);
  assert.deepEqual(layerEntries.slice(-2), [1, 2], `the continuity log names the switch up last (${layerEntries.join(", ")})`);
});
