// Maps 32-bit RTP timestamps of one stream to milliseconds on the recording's
// timeline, across wrap-around (a 90 kHz clock wraps every 13 hours, and the
// random start can put the wrap minutes into a call).
export class RtpClock {
  private anchor: { unwrapped: number; raw: number } | undefined;
  private origin: number | undefined;

  constructor(private readonly clockRate: number) {}

  /** Unwraps `ts` relative to the previous call. */
  unwrap(ts: number): number {
    if (!this.anchor) {
      this.anchor = { unwrapped: ts, raw: ts };
      return ts;
    }
    let delta = (ts - this.anchor.raw) >>> 0;
    if (delta >= 2 ** 31) delta -= 2 ** 32;
    const unwrapped = this.anchor.unwrapped + delta;
    this.anchor = { unwrapped, raw: ts };
    return unwrapped;
  }

  /** Milliseconds since the first timestamp passed to `mediaTimeMs`. */
  mediaTimeMs(ts: number): number {
    const u = this.unwrap(ts);
    this.origin ??= u;
    return Math.round(((u - this.origin) * 1000) / this.clockRate);
  }
}
