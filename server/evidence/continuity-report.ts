// Turns a recording's start/stop/pause/resume/gap entries into what an auditor
// asks: was anything not recorded, for how long, and does the file's duration
// agree with the wall clock.
import type { Recording } from "./package-input";

export interface ContinuityInterval {
  kind: "pause" | "gap";
  from: string;
  to: string | null;
  ms: number | null;
  reason?: string;
}

export interface ContinuitySummary {
  recordingId: string;
  startedAt: string;
  stoppedAt: string | null;
  intervals: ContinuityInterval[];
  pausedMs: number;
  gapMs: number;
  /** Wall-clock time between start and stop, minus pauses and gaps. */
  expectedMediaMs: number | null;
  issues: string[];
  continuous: boolean;
}

/** Media duration may differ from wall clock by encoder latency; beyond this we flag it. */
export const DURATION_TOLERANCE_MS = 2_000;

export function summariseContinuity(recording: Recording): ContinuitySummary {
  const entries = recording.continuity;
  const issues: string[] = [];
  const intervals: ContinuityInterval[] = [];
  const startedAt = entries[0]!.at;
  let stoppedAt: string | null = null;
  let openPause: { at: string; reason?: string } | null = null;
  const t = (iso: string) => Date.parse(iso);

  for (const e of entries.slice(1)) {
    if (stoppedAt) issues.push(`${e.type} at ${e.at} after stop`);
    switch (e.type) {
      case "start":
        issues.push(`second start at ${e.at}`);
        break;
      case "pause":
        if (openPause) issues.push(`pause at ${e.at} while already paused`);
        else openPause = { at: e.at, reason: e.reason };
        break;
      case "resume":
        if (!openPause) issues.push(`resume at ${e.at} without a pause`);
        else {
          intervals.push({ kind: "pause", from: openPause.at, to: e.at, ms: t(e.at) - t(openPause.at), reason: openPause.reason });
          openPause = null;
        }
        break;
      case "gap":
        intervals.push({ kind: "gap", from: e.at, to: e.until!, ms: t(e.until!) - t(e.at), reason: e.reason });
        break;
      case "stop":
        if (!stoppedAt) stoppedAt = e.at;
        break;
    }
  }
  if (openPause) {
    issues.push(`paused at ${openPause.at} and never resumed`);
    intervals.push({ kind: "pause", from: openPause.at, to: stoppedAt, ms: stoppedAt ? t(stoppedAt) - t(openPause.at) : null, reason: openPause.reason });
  }
  if (!stoppedAt) issues.push("no stop recorded (recording may have been cut off)");

  const pausedMs = intervals.filter((i) => i.kind === "pause").reduce((s, i) => s + (i.ms ?? 0), 0);
  const gapMs = intervals.filter((i) => i.kind === "gap").reduce((s, i) => s + (i.ms ?? 0), 0);
  const expectedMediaMs = stoppedAt ? t(stoppedAt) - t(startedAt) - pausedMs - gapMs : null;
  if (expectedMediaMs !== null && Math.abs(expectedMediaMs - recording.durationMs) > DURATION_TOLERANCE_MS) {
    issues.push(`file duration ${(recording.durationMs / 1000).toFixed(1)} s differs from wall clock ${(expectedMediaMs / 1000).toFixed(1)} s`);
  }
  return {
    recordingId: recording.id,
    startedAt,
    stoppedAt,
    intervals,
    pausedMs,
    gapMs,
    expectedMediaMs,
    issues,
    continuous: intervals.length === 0 && issues.length === 0,
  };
}
