// Minimal RTP header parser (RFC 3550 §5.1). The recorder only needs the fixed
// header fields and the payload; header extensions are skipped, not decoded,
// because the consumer already stripped what mediasoup understands.

export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Returns undefined for anything that is not a well-formed RTP v2 packet. */
export function parseRtpPacket(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12) return undefined;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return undefined;
  const csrcCount = b0 & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return undefined;
    const extWords = buf.readUInt16BE(offset + 2);
    offset += 4 + extWords * 4;
  }
  let end = buf.length;
  if (b0 & 0x20) {
    const padding = buf[buf.length - 1]!;
    end -= padding;
  }
  if (end < offset) return undefined;
  const b1 = buf[1]!;
  return {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

/**
 * Unwraps a wrapping counter (16-bit sequence numbers, 32-bit timestamps) into
 * a monotonic number line so that wrap-around in a 5-hour call cannot reorder
 * frames or produce negative media time.
 */
export class CounterUnwrapper {
  private last: number | undefined;
  private readonly modulo: number;
  private readonly half: number;

  constructor(bits: 16 | 32) {
    this.modulo = 2 ** bits;
    this.half = 2 ** (bits - 1);
  }

  unwrap(value: number): number {
    if (this.last === undefined) {
      this.last = value;
      return value;
    }
    let delta = (value - (this.last % this.modulo) + this.modulo) % this.modulo;
    if (delta >= this.half) delta -= this.modulo;
    const unwrapped = this.last + delta;
    // Only move the reference forward, so a late packet does not drag it back.
    if (delta > 0) this.last = unwrapped;
    return unwrapped;
  }
}
