// A participant's produce is answered as soon as the SFU has the producer; the
// consumers the other participants get of it follow as notifications. The
// client's join waits for this answer, and each consumer is one more round trip
// to the media worker: on a loaded server those round trips held a joining
// adjuster's answer past the client's limit (a fresh-clone run, issue of the
// late produce). Real mediasoup worker and room; no browser.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import type { types } from "mediasoup";
import { WorkerPool } from "../../media/worker-pool";
import { Room } from "../../media/room";
import type { MediaConfig } from "../../media/media-config";
import type { Peer } from "../../media/peer";
import { RTC_BLOCK_SIZE, reserveRtcBase } from "../support/rtc-ports";

const log = pino({ level: "silent" });
let pool: WorkerPool;
let config: MediaConfig;

before(async () => {
  const base = await reserveRtcBase();
  config = {
    workers: 1,
    listenIp: "127.0.0.1",
    announcedAddress: "127.0.0.1",
    rtcMinPort: base,
    rtcMaxPort: base + RTC_BLOCK_SIZE - 1,
    initialOutgoingBitrate: 600_000,
    maxIncomingBitrate: 2_000_000,
    logLevel: "warn",
  };
  pool = await WorkerPool.create(config, log);
});
after(() => pool.close());

function vp8(ssrc: number): types.RtpParameters {
  return {
    mid: "0",
    codecs: [{ mimeType: "video/VP8", payloadType: 101, clockRate: 90000, rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }] }],
    encodings: [{ ssrc }],
  };
}

async function joinedPeer(room: Room, participantId: string, events: string[]) {
  const peer: Peer = room.addPeer({ participantId, surveyId: room.surveyId, role: "agent", displayName: participantId }, (method) =>
    events.push(`${participantId} ${method}`),
  );
  const send = await room.createWebRtcTransport(peer, "send");
  await room.createWebRtcTransport(peer, "recv");
  await room.join(peer, room.router.rtpCapabilities);
  return { peer, sendTransportId: send.id };
}

test("a produce is answered before the others' consumers are made; each other participant still gets exactly one", async () => {
  const room = await Room.create({ surveyId: "survey-produce-answer", pooled: pool.leastLoaded(), config, log });
  try {
    const events: string[] = [];
    const a = await joinedPeer(room, "a", events);
    await joinedPeer(room, "b", events);
    await joinedPeer(room, "c", events);
    events.length = 0;

    const producer = await room.produce(a.peer, { transportId: a.sendTransportId, kind: "video", rtpParameters: vp8(1111), source: "cam" });
    events.push("a answered");
    assert.deepEqual(events, ["a answered"], "no consumer was made for the others before the producer's answer");

    const deadline = Date.now() + 60_000;
    while (events.filter((e) => e.endsWith("newConsumer")).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(events.sort(), ["a answered", "b newConsumer", "c newConsumer"]);
    for (const id of ["b", "c"]) {
      const consumers = [...room.peers.get(id)!.consumers.values()];
      assert.deepEqual(consumers.map((c) => c.producerId), [producer.id]);
    }
    assert.equal(room.peers.get("a")!.consumers.size, 0, "nobody consumes their own producer");
  } finally {
    room.close("test over");
  }
});
