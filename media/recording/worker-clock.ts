// The wall-clock time at which the mediasoup worker stamped an event.
//
// The worker stamps trace events with uv_hrtime() in milliseconds: the
// system's monotonic clock, the same one Node's process.hrtime reads. Taking
// Date.now() when the event is *handled* instead would add however long the
// event waited in the channel and in Node's event loop, which on a loaded
// server is a second or more: a track's start (and so its place on the survey
// clock in playback and in the evidence package) would be that much late.
const MAX_PLAUSIBLE_LAG_MS = 5 * 60_000;

export function workerEventWallMs(workerTimestampMs: number, nowWallMs = Date.now(), nowMonotonicMs = Number(process.hrtime.bigint() / 1_000_000n)): number {
  const lagMs = nowMonotonicMs - workerTimestampMs;
  // A lag outside [0, 5 min] means the stamp is not on our clock (another
  // worker build, another host): trust the handling time rather than guess.
  if (!Number.isFinite(lagMs) || lagMs < 0 || lagMs > MAX_PLAUSIBLE_LAG_MS) return nowWallMs;
  return nowWallMs - lagMs;
}
