// Log-in throttling per account and per client address, with exponential back-off. Each
// attempt is counted before its password is checked, so attempts that arrive together
// (one batched request, many sockets) see each other and cannot all reach scrypt.
// In memory: a restart forgives, which is acceptable for a single-process server.
import type { Env } from "../env";

export class LoginThrottledError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`log-in locked for ${retryAfterSeconds} s`);
    this.name = "LoginThrottledError";
  }
}

export interface ThrottlePolicy {
  freeFailuresPerAccount: number;
  freeFailuresPerAddress: number;
  baseLockMs: number;
  maxLockMs: number;
  /** Failures are forgotten this long after the last one. */
  forgetAfterMs: number;
  /** Bound on remembered keys, so random e-mails cannot grow the map without end. */
  maxEntries: number;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastAt: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly policy: ThrottlePolicy, private readonly now: () => number = Date.now) {}

  /** Counts an attempt or throws LoginThrottledError; call the returned function with the outcome. */
  begin(email: string, address: string): (succeeded: boolean) => void {
    const now = this.now();
    const keys = [
      { key: `account:${email.trim().toLowerCase()}`, free: this.policy.freeFailuresPerAccount },
      { key: `address:${address}`, free: this.policy.freeFailuresPerAddress },
    ];
    const entries = keys.map(({ key }) => this.entry(key, now));
    const lockedUntil = Math.max(...entries.map((e) => e.lockedUntil));
    if (lockedUntil > now) throw new LoginThrottledError(Math.max(1, Math.ceil((lockedUntil - now) / 1000)));
    keys.forEach(({ free }, i) => this.count(entries[i]!, free, now));
    return (succeeded) => {
      if (!succeeded) return;
      // The right password clears the account; the address only gets this attempt back.
      this.entries.delete(keys[0]!.key);
      const address = entries[1]!;
      address.failures = Math.max(0, address.failures - 1);
      if (address.failures < keys[1]!.free) address.lockedUntil = 0;
    };
  }

  private entry(key: string, now: number): Entry {
    let e = this.entries.get(key);
    if (e && e.lockedUntil <= now && now - e.lastAt > this.policy.forgetAfterMs) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e) {
      while (this.entries.size >= this.policy.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      e = { failures: 0, lockedUntil: 0, lastAt: now };
      this.entries.set(key, e);
    }
    return e;
  }

  private count(e: Entry, free: number, now: number) {
    e.failures += 1;
    e.lastAt = now;
    if (e.failures >= free) {
      const lockMs = Math.min(this.policy.maxLockMs, this.policy.baseLockMs * 2 ** (e.failures - free));
      e.lockedUntil = now + lockMs;
    }
  }
}

const perEnv = new WeakMap<object, LoginThrottle>();

/** The process's throttle for this configuration. */
export function loginThrottleFor(env: Pick<Env, "LOGIN_FREE_FAILURES_PER_ACCOUNT" | "LOGIN_FREE_FAILURES_PER_ADDRESS" | "LOGIN_LOCKOUT_BASE_SECONDS" | "LOGIN_LOCKOUT_MAX_SECONDS">): LoginThrottle {
  let t = perEnv.get(env);
  if (!t) {
    t = new LoginThrottle({
      freeFailuresPerAccount: env.LOGIN_FREE_FAILURES_PER_ACCOUNT,
      freeFailuresPerAddress: env.LOGIN_FREE_FAILURES_PER_ADDRESS,
      baseLockMs: env.LOGIN_LOCKOUT_BASE_SECONDS * 1000,
      maxLockMs: env.LOGIN_LOCKOUT_MAX_SECONDS * 1000,
      forgetAfterMs: 15 * 60_000,
      maxEntries: 50_000,
    });
    perEnv.set(env, t);
  }
  return t;
}
