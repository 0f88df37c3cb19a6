// Puts RTP packets back in sequence order. Packets recovered by NACK on the
// producer side reach the recorder late and out of order; without reordering
// the VP8 assembler would see a hole and throw away a frame it could have kept.
// A hole that does not fill within `maxWaitMs` (or once `maxPackets` are held)
// is declared lost so that a real loss never stalls the recording.
import { CounterUnwrapper, type RtpPacket } from "./rtp-packet";

export interface OrderedPacket {
  packet: RtpPacket;
  /** Sequence number unwrapped to a monotonic number line. */
  seq: number;
}

export interface ReorderOptions {
  maxWaitMs: number;
  maxPackets: number;
}

export class RtpReorderBuffer {
  private readonly unwrapper = new CounterUnwrapper(16);
  private readonly held = new Map<number, RtpPacket>();
  private expected: number | undefined;
  private waitingSince: number | undefined;

  constructor(
    private readonly options: ReorderOptions,
    /** Receives packets in order; `lost` counts packets skipped just before this one. */
    private readonly onPacket: (p: OrderedPacket, lost: number) => void,
  ) {}

  push(packet: RtpPacket, nowMs: number): void {
    const seq = this.unwrapper.unwrap(packet.sequenceNumber);
    if (this.expected === undefined) this.expected = seq;
    if (seq < this.expected || this.held.has(seq)) return; // duplicate or too late
    this.held.set(seq, packet);
    if (seq !== this.expected && this.waitingSince === undefined) this.waitingSince = nowMs;
    this.drain();
    if (
      this.held.size > 0 &&
      (this.held.size >= this.options.maxPackets ||
        (this.waitingSince !== undefined && nowMs - this.waitingSince >= this.options.maxWaitMs))
    ) {
      this.skipHole();
      this.drain();
    }
    this.waitingSince = this.held.size > 0 ? (this.waitingSince ?? nowMs) : undefined;
  }

  /** Emits whatever is held, in order, declaring holes lost (used when the track stops). */
  flush(): void {
    while (this.held.size > 0) {
      this.skipHole();
      this.drain();
    }
    this.waitingSince = undefined;
  }

  private pendingLost = 0;

  private drain(): void {
    while (this.expected !== undefined && this.held.has(this.expected)) {
      const packet = this.held.get(this.expected)!;
      this.held.delete(this.expected);
      const lost = this.pendingLost;
      this.pendingLost = 0;
      this.onPacket({ packet, seq: this.expected }, lost);
      this.expected++;
      if (this.held.size === 0) this.waitingSince = undefined;
    }
  }

  private skipHole(): void {
    let lowest = Infinity;
    for (const seq of this.held.keys()) if (seq < lowest) lowest = seq;
    if (lowest === Infinity || this.expected === undefined) return;
    this.pendingLost += lowest - this.expected;
    this.expected = lowest;
    this.waitingSince = undefined;
  }
}
