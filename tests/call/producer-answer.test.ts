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
import { mediaConfigFrom, type MediaConfig } from "../../media/media-config";
import type { Peer } from "../../media/peer";
import { RTC_BLOCK_SIZE, reserveRtcBase } from "../support/rtc-ports";
import { until } from "../support/until";

const log = pino({ level: "silent" });
let pool: WorkerPool;
let config: MediaConfig;

before(async () => {
  const base = await reserveRtcBase();
  config = mediaConfigFrom({
    MEDIASOUP_WORKERS: 1,
    MEDIASOUP_LISTEN_IP: "127.0.0.1",
    MEDIASOUP_ANNOUNCED_ADDRESS: "127.0.0.1",
    RTC_MIN_PORT: base,
    RTC_MAX_PORT: base + RTC_BLOCK_SIZE - 1,
  });
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

    // On a timeout the assertion below names what did arrive.
    await until("both others told of the new consumer", async () => events.filter((e) => e.endsWith("newConsumer")).length >= 2, 60_000).catch(() => undefined);
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
