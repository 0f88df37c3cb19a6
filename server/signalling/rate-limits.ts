// Limits one signalling connection lives under, so a single socket cannot flood the
// room's database writes or the media worker: a token bucket for all messages and a
// tighter one for chat, caps on what it may ask the worker to create, producers whose
// declared kind matches their codecs, and failures logged once per kind, without stacks.
import type { Logger } from "pino";

/** A bucket of `capacity` tokens refilled at `perSecond`; take() spends one or says when to retry. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly capacity: number, private readonly perSecond: number, private readonly now: () => number = () => performance.now()) {
    this.tokens = capacity;
    this.last = now();
  }

  /** 0 when a token was taken, otherwise the milliseconds until one is available. */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}

export const SIGNALLING_LIMITS = {
  /** Every request: a join with a dozen consumers fits in the burst. */
  messages: { capacity: 60, perSecond: 30 },
  /** Chat: nobody types faster than this; each message is a database write and a broadcast. */
  chat: { capacity: 5, perSecond: 1 },
  /** Requests refused for rate in a row after which the connection is dropped. */
  maxRefusedInARow: 200,
  /** The receiving warm-up creates one data consumer; a client needs it once per connection. */
  warmUpsPerConnection: 1,
} as const;

export class ConnectionLimits {
  readonly messages = new TokenBucket(SIGNALLING_LIMITS.messages.capacity, SIGNALLING_LIMITS.messages.perSecond);
  readonly chat = new TokenBucket(SIGNALLING_LIMITS.chat.capacity, SIGNALLING_LIMITS.chat.perSecond);
  warmUps = 0;
  refusedInARow = 0;
}

/** The kind a producer claims must be the kind of every codec it sends (RTX and FEC included), and fit its source. */
export function producerMismatch(kind: "audio" | "video", source: "mic" | "cam" | "screen", codecs: readonly Record<string, unknown>[]): string | null {
  if ((source === "mic") !== (kind === "audio")) return `a ${source} producer cannot be ${kind}`;
  for (const c of codecs) {
    const mime = typeof c.mimeType === "string" ? c.mimeType.toLowerCase() : "";
    if (!mime.startsWith(`${kind}/`)) return `a ${kind} producer cannot use the codec ${mime || "(none)"}`;
  }
  return null;
}

/** Logs each kind of failure of a connection once (message only, no stack), then counts the rest. */
export class OnceLogger {
  private readonly seen = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  warn(kind: string, fields: Record<string, unknown>, message: string) {
    const n = (this.seen.get(kind) ?? 0) + 1;
    this.seen.set(kind, n);
    if (n === 1) this.log.warn({ ...fields, kind }, message);
  }

  /** On close: how many were not logged. */
  summary(): Record<string, number> | null {
    const repeated = Object.fromEntries([...this.seen].filter(([, n]) => n > 1).map(([k, n]) => [k, n - 1]));
    return Object.keys(repeated).length ? repeated : null;
  }
}
