// The loss paths of RTP reordering and VP8 reassembly, which a loopback call
// never exercises: packets are built by hand so every hole is deliberate.
import assert from "node:assert/strict";
import { test } from "node:test";
import { OpusFrameAssembler } from "../../media/recording/opus-frame-assembler";
import { CounterUnwrapper, parseRtpPacket, type RtpPacket } from "../../media/recording/rtp-packet";
import { RtpReorderBuffer } from "../../media/recording/rtp-reorder-buffer";
import { Vp8FrameAssembler, inspectVp8Frame, type MediaFrame } from "../../media/recording/vp8-frame-assembler";

function rtp(seq: number, ts: number, marker: boolean, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | 101;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(1234, 8);
  return Buffer.concat([h, payload]);
}

/** A VP8 frame body: keyframes carry the start code and the picture size. */
function vp8Body(key: boolean, width = 320, height = 240): Buffer {
  const b = Buffer.alloc(20, 0xaa);
  b[0] = key ? 0x10 : 0x11; // bit0 = 0 means keyframe
  if (key) {
    b.set([0x9d, 0x01, 0x2a], 3);
    b.writeUInt16LE(width, 6);
    b.writeUInt16LE(height, 8);
  }
  return b;
}

/** Splits a frame into `parts` RTP payloads with the RFC 7741 descriptor (X=1, I=1, 15-bit PictureID). */
function vp8Packets(body: Buffer, parts: number): Buffer[] {
  const size = Math.ceil(body.length / parts);
  return Array.from({ length: parts }, (_, i) => {
    const desc = Buffer.from([0x80 | (i === 0 ? 0x10 : 0), 0x80, 0x80, 0x01]);
    return Buffer.concat([desc, body.subarray(i * size, (i + 1) * size)]);
  });
}

function pipeline() {
  const frames: MediaFrame[] = [];
  let keyframeRequests = 0;
  const unwrap = new CounterUnwrapper(32);
  const asm = new Vp8FrameAssembler((f) => frames.push(f), () => keyframeRequests++);
  const buf = new RtpReorderBuffer({ maxWaitMs: 100, maxPackets: 64 }, (p, lost) => asm.push(p, lost, unwrap.unwrap(p.packet.timestamp)));
  const push = (raw: Buffer, now: number) => buf.push(parseRtpPacket(raw) as RtpPacket, now);
  return { frames, push, buf, asm, requests: () => keyframeRequests };
}

test("RTP header parsing handles CSRCs, extensions and padding", () => {
  const payload = Buffer.from([1, 2, 3]);
  const raw = Buffer.concat([
    Buffer.from([0xb1, 0xe5, 0, 7, 0, 0, 0, 9, 0, 0, 0, 5]), // V=2, P=1, X=1, CC=1, M=1, PT=101
    Buffer.from([0, 0, 0, 1]), // CSRC
    Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]), // one-word extension
    payload,
    Buffer.from([0, 2]), // 2 bytes of padding
  ]);
  const p = parseRtpPacket(raw)!;
  assert.equal(p.payloadType, 101);
  assert.equal(p.marker, true);
  assert.equal(p.sequenceNumber, 7);
  assert.equal(p.timestamp, 9);
  assert.deepEqual([...p.payload], [1, 2, 3]);
  assert.equal(parseRtpPacket(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), undefined, "RTP v1 rejected");
});

test("counters unwrap across 16- and 32-bit wrap-around", () => {
  const s = new CounterUnwrapper(16);
  assert.deepEqual([65534, 65535, 0, 1, 65535, 2].map((v) => s.unwrap(v)), [65534, 65535, 65536, 65537, 65535, 65538]);
  const t = new CounterUnwrapper(32);
  assert.equal(t.unwrap(0xffffff00), 0xffffff00);
  assert.equal(t.unwrap(0x00000100), 0x100000100);
});

test("out-of-order packets are put back in order and frames survive", () => {
  const { frames, push } = pipeline();
  const key = vp8Packets(vp8Body(true), 3);
  const delta = vp8Packets(vp8Body(false), 2);
  push(rtp(10, 3000, false, key[0]!), 0);
  push(rtp(12, 3000, true, key[2]!), 1); // arrives before 11 (NACK retransmission)
  push(rtp(11, 3000, false, key[1]!), 2);
  push(rtp(14, 6000, true, delta[1]!), 3);
  push(rtp(13, 6000, false, delta[0]!), 4);
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0]!.data, vp8Body(true));
  assert.equal(frames[0]!.width, 320);
  assert.deepEqual(frames[1]!.data, vp8Body(false));
  assert.equal(frames[1]!.recovered, undefined);
});

test("a lost packet drops frames until the next keyframe, asks for one, and reports the gap", () => {
  const { frames, push, requests } = pipeline();
  let seq = 100;
  const send = (body: Buffer, ts: number, now: number, skip = -1) =>
    vp8Packets(body, 2).forEach((p, i) => {
      const s = seq++;
      if (i !== skip) push(rtp(s, ts, i === 1, p), now);
    });
  send(vp8Body(true), 0, 0);
  send(vp8Body(false), 3000, 10);
  send(vp8Body(false), 6000, 20, 0); // first half lost
  send(vp8Body(false), 9000, 400); // hole declared lost after maxWaitMs
  send(vp8Body(false), 12000, 410);
  send(vp8Body(true, 240, 320), 15000, 420);
  assert.equal(requests(), 1, "one keyframe request when frames started being dropped");
  assert.deepEqual(frames.map((f) => f.rtpTimestamp), [0, 3000, 15000]);
  const rec = frames[2]!.recovered!;
  assert.equal(rec.lostPackets, 1);
  assert.equal(rec.droppedFrames, 3);
  assert.equal(rec.lastRtpTimestamp, 3000);
  assert.deepEqual([frames[2]!.width, frames[2]!.height], [240, 320]);
});

test("stream start waits for a keyframe; inspectVp8Frame reads the keyframe size", () => {
  const { frames, push } = pipeline();
  push(rtp(1, 0, true, vp8Packets(vp8Body(false), 1)[0]!), 0);
  push(rtp(2, 3000, true, vp8Packets(vp8Body(true, 640, 360), 1)[0]!), 1);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.recovered, undefined, "waiting for the first keyframe is not a gap");
  assert.deepEqual(inspectVp8Frame(vp8Body(true, 640, 360)), { keyframe: true, width: 640, height: 360 });
  assert.deepEqual(inspectVp8Frame(vp8Body(false)), { keyframe: false });
});

test("Opus: short losses pass silently, a burst is reported, repeated timestamps are dropped", () => {
  const frames: MediaFrame[] = [];
  const asm = new OpusFrameAssembler((f) => frames.push(f), 10);
  const unwrap = new CounterUnwrapper(32);
  const buf = new RtpReorderBuffer({ maxWaitMs: 100, maxPackets: 64 }, (p, lost) => asm.push(p, lost, unwrap.unwrap(p.packet.timestamp)));
  const op = Buffer.from([0xfc, 1, 2]);
  buf.push(parseRtpPacket(rtp(1, 0, false, op))!, 0);
  buf.push(parseRtpPacket(rtp(3, 1920, false, op))!, 0); // 1 lost
  buf.push(parseRtpPacket(rtp(4, 1920, false, op))!, 0); // same timestamp
  buf.flush();
  buf.push(parseRtpPacket(rtp(20, 18240, false, op))!, 200); // 15 lost: held, the hole may still fill
  assert.equal(frames.length, 2);
  buf.push(parseRtpPacket(rtp(21, 19200, false, op))!, 400); // waited long enough: hole declared lost
  assert.deepEqual(frames.map((f) => f.rtpTimestamp), [0, 1920, 18240, 19200]);
  assert.equal(frames[1]!.recovered, undefined);
  assert.equal(frames[2]!.recovered?.lostPackets, 15);
});
