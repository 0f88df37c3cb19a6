// Which simulcast layer the recording writes (real mediasoup router, real
// ffmpeg senders and muxer; no browser). The evidence must carry the best
// picture the sender sends, whatever its bitrate: faces and ID cards have to
// be legible years later. Nothing on the loopback to ffmpeg limits bandwidth,
// so no bandwidth estimate may choose a lower layer for it, and nothing but the
// track's own media may reach the muxer.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as mediasoup from "mediasoup";
import type { types as ms } from "mediasoup";
import { SurveyRecorder } from "../../media/recording/survey-recorder";
import {
  closeRecorderTestBed,
  createSimulcastProducer,
  decodedSizes,
  makeSimulcastLayers,
  openRecorderTestBed,
  silentLogger,
  sleep,
  type RecorderTestBed,
  type SyntheticProducer,
} from "./helpers";

let bed = {} as RecorderTestBed;
const producers: SyntheticProducer[] = [];
// Every transport the router makes (the recorder's own included), through mediasoup's public observer.
const transports: ms.Transport[] = [];
const onNewTransport = (t: ms.Transport) => transports.push(t);
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
