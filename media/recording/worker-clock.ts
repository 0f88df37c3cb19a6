// The time at which the mediasoup worker stamped an event.
//
// The worker stamps trace events with uv_hrtime() in milliseconds: the
// system's monotonic clock, the same one Node's process.hrtime reads. Taking
// Date.now() when the event is *handled* instead would add however long the
// event waited in the channel and in Node's event loop, which on a loaded
// server is a second or more: a track's start (and so its place on the survey
// clock in playback and in the evidence package) would be that much late.
const MAX_PLAUSIBLE_LAG_MS = 5 * 60_000;

/** Node's monotonic clock in ms (the worker's stamps are on it). */
export function monotonicNowMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/** How long ago the worker stamped the event, or null if the stamp is not on our clock. */
function lagMs(workerTimestampMs: number, nowMonotonicMs: number): number | null {
  const lag = nowMonotonicMs - workerTimestampMs;
  // A lag outside [0, 5 min] means the stamp is not on our clock (another
  // worker build, another host): trust the handling time rather than guess.
  return Number.isFinite(lag) && lag >= 0 && lag <= MAX_PLAUSIBLE_LAG_MS ? lag : null;
}

export function workerEventWallMs(workerTimestampMs: number, nowWallMs = Date.now(), nowMonotonicMs = monotonicNowMs()): number {
  return nowWallMs - (lagMs(workerTimestampMs, nowMonotonicMs) ?? 0);
}

/**
 * The same moment on the monotonic clock. Durations are measured on it: the
 * wall clock can be stepped under a running recording (NTP, a paused or
 * migrated VM), and a step would be counted as recorded time.
 */
export function workerEventMonotonicMs(workerTimestampMs: number, nowMonotonicMs = monotonicNowMs()): number {
  return nowMonotonicMs - (lagMs(workerTimestampMs, nowMonotonicMs) ?? 0);
}
