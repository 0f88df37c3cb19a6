// Rebuilds VP8 frames from in-order RTP packets (RFC 7741 payload descriptor).
// After any loss the decoder's reference frames are unknown, so every frame is
// dropped until the next keyframe: a recording that freezes briefly is better
// evidence than one that shows smeared, undecodable pictures.
import type { OrderedPacket } from "./rtp-reorder-buffer";

export interface MediaFrame {
  data: Buffer;
  /** Unwrapped RTP timestamp of the frame. */
  rtpTimestamp: number;
  keyframe: boolean;
  /** Present on VP8 keyframes (the frame header carries the picture size). */
  width?: number;
  height?: number;
  /** Set on the first frame written after frames had to be dropped. */
  recovered?: { lostPackets: number; droppedFrames: number; lastRtpTimestamp: number | undefined };
}

interface Vp8Descriptor {
  start: boolean;
  partitionId: number;
  headerLength: number;
}

function parseVp8Descriptor(payload: Buffer): Vp8Descriptor | undefined {
  if (payload.length < 1) return undefined;
  const b0 = payload[0]!;
  let offset = 1;
  if (b0 & 0x80) {
    if (payload.length < offset + 1) return undefined;
    const x = payload[offset++]!;
    if (x & 0x80) {
      if (payload.length < offset + 1) return undefined;
      offset += payload[offset]! & 0x80 ? 2 : 1; // 7- or 15-bit PictureID
    }
    if (x & 0x40) offset++; // TL0PICIDX
    if (x & 0x30) offset++; // TID/Y/KEYIDX
  }
  if (offset >= payload.length) return undefined;
  return { start: (b0 & 0x10) !== 0, partitionId: b0 & 0x07, headerLength: offset };
}

/** Keyframe flag and, for keyframes, the coded size (RFC 6386 §9.1). */
export function inspectVp8Frame(frame: Buffer): { keyframe: boolean; width?: number; height?: number } {
  if (frame.length < 3) return { keyframe: false };
  const keyframe = (frame[0]! & 0x01) === 0;
  if (!keyframe || frame.length < 10) return { keyframe };
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return { keyframe: false };
  return { keyframe, width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}

export class Vp8FrameAssembler {
  private parts: Buffer[] = [];
  private frameTimestamp: number | undefined;
  private waitingForKeyframe = true;
  private lostPackets = 0;
  private droppedFrames = 0;
  private lastEmittedTimestamp: number | undefined;
  private everEmitted = false;
  private orphanTimestamp: number | undefined;

  constructor(
    private readonly onFrame: (frame: MediaFrame) => void,
    /** Called when frames start being dropped, so the caller can ask the sender for a keyframe. */
    private readonly onNeedKeyframe: () => void,
  ) {}

  push({ packet }: OrderedPacket, lost: number, rtpTimestamp: number): void {
    if (lost > 0) {
      this.lostPackets += lost;
      this.dropCurrent();
      this.enterWaiting();
    }
    const desc = parseVp8Descriptor(packet.payload);
    if (!desc) return;
    const body = packet.payload.subarray(desc.headerLength);
    if (desc.start && desc.partitionId === 0) {
      if (this.frameTimestamp !== undefined) {
        // A new frame began before the previous one saw its marker bit.
        this.dropCurrent();
        this.enterWaiting();
      }
      this.frameTimestamp = rtpTimestamp;
      this.parts = [body];
    } else if (this.frameTimestamp === rtpTimestamp) {
      this.parts.push(body);
    } else {
      // Continuation of a frame whose start we never saw: that frame is lost.
      if (rtpTimestamp !== this.orphanTimestamp) this.droppedFrames++;
      this.orphanTimestamp = rtpTimestamp;
      return;
    }
    if (packet.marker) this.complete();
  }

  /** Forces the next emitted frame to be a keyframe (used after a producer pause). */
  resync(): void {
    this.dropCurrent();
    this.waitingForKeyframe = true;
  }

  private complete(): void {
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    const rtpTimestamp = this.frameTimestamp!;
    this.parts = [];
    this.frameTimestamp = undefined;
    const info = inspectVp8Frame(data);
    if (this.waitingForKeyframe && !info.keyframe) {
      this.droppedFrames++;
      return;
    }
    const frame: MediaFrame = { data, rtpTimestamp, ...info };
    if (this.waitingForKeyframe) {
      if (this.everEmitted && (this.lostPackets > 0 || this.droppedFrames > 0)) {
        frame.recovered = {
          lostPackets: this.lostPackets,
          droppedFrames: this.droppedFrames,
          lastRtpTimestamp: this.lastEmittedTimestamp,
        };
      }
      this.waitingForKeyframe = false;
      this.lostPackets = 0;
      this.droppedFrames = 0;
    }
    this.everEmitted = true;
    this.lastEmittedTimestamp = rtpTimestamp;
    this.onFrame(frame);
  }

  private dropCurrent(): void {
    if (this.frameTimestamp !== undefined) this.droppedFrames++;
    this.parts = [];
    this.frameTimestamp = undefined;
  }

  private enterWaiting(): void {
    if (!this.waitingForKeyframe) {
      this.waitingForKeyframe = true;
      this.onNeedKeyframe();
    }
  }
}
