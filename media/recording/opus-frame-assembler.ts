// Opus over RTP carries exactly one Opus packet per RTP packet (RFC 7587), so
// "assembling" is only bookkeeping: every Opus packet decodes on its own, and a
// loss is reported only when it is long enough to be audible as a gap.
import type { OrderedPacket } from "./rtp-reorder-buffer";
import type { MediaFrame } from "./vp8-frame-assembler";

export class OpusFrameAssembler {
  private lastTimestamp: number | undefined;

  constructor(
    private readonly onFrame: (frame: MediaFrame) => void,
    /** Losses of at least this many consecutive packets are reported (10 × 20 ms = 200 ms). */
    private readonly burstPackets = 10,
  ) {}

  push({ packet }: OrderedPacket, lost: number, rtpTimestamp: number): void {
    if (packet.payload.length === 0) return;
    // Opus DTX and clock jumps can repeat a timestamp; Matroska needs it to grow.
    if (this.lastTimestamp !== undefined && rtpTimestamp <= this.lastTimestamp) return;
    const frame: MediaFrame = { data: packet.payload, rtpTimestamp, keyframe: true };
    if (lost >= this.burstPackets && this.lastTimestamp !== undefined) {
      frame.recovered = { lostPackets: lost, droppedFrames: 0, lastRtpTimestamp: this.lastTimestamp };
    }
    this.lastTimestamp = rtpTimestamp;
    this.onFrame(frame);
  }

  resync(): void {}
}
