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
  /** The recorder's cause code, which the report words in its language. */
  cause?: string;
  lostPackets?: number;
}

/**
 * What is wrong with a file's continuity log, as a code with its facts (not
 * English prose), so the report words it in the reader's language and a
 * machine can read the package's JSON.
 */
export type ContinuityIssue =
  | { code: "entry-after-stop"; entry: string; at: string }
  | { code: "second-start"; at: string }
  | { code: "pause-while-paused"; at: string }
  | { code: "resume-without-pause"; at: string }
  | { code: "never-resumed"; at: string }
  | { code: "no-stop" }
  | { code: "duration-differs"; fileMs: number; wallMs: number };

export interface ContinuitySummary {
  recordingId: string;
  startedAt: string;
  stoppedAt: string | null;
  intervals: ContinuityInterval[];
  pausedMs: number;
  gapMs: number;
  /** Wall-clock time between start and stop, minus pauses and gaps. */
  expectedMediaMs: number | null;
  /** How the file's own start was reached when it follows a hole (a rejoin, a muxer restart). */
  startCause?: string;
  startGapMs?: number;
  stopCause?: string;
  issues: ContinuityIssue[];
  continuous: boolean;
}

/** Media duration may differ from wall clock by encoder latency; beyond this we flag it. */
export const DURATION_TOLERANCE_MS = 2_000;

export function summariseContinuity(recording: Recording): ContinuitySummary {
  const entries = recording.continuity;
  const issues: ContinuityIssue[] = [];
  const intervals: ContinuityInterval[] = [];
  const startedAt = entries[0]!.at;
  let stoppedAt: string | null = null;
  let stopCause: string | undefined;
  let openPause: { at: string; reason?: string } | null = null;
  const t = (iso: string) => Date.parse(iso);

  for (const e of entries.slice(1)) {
    if (stoppedAt) issues.push({ code: "entry-after-stop", entry: e.type, at: e.at });
    switch (e.type) {
      case "start":
        issues.push({ code: "second-start", at: e.at });
        break;
      case "pause":
        if (openPause) issues.push({ code: "pause-while-paused", at: e.at });
        else openPause = { at: e.at, reason: e.reason };
        break;
      case "resume":
        if (!openPause) issues.push({ code: "resume-without-pause", at: e.at });
        else {
          intervals.push({ kind: "pause", from: openPause.at, to: e.at, ms: t(e.at) - t(openPause.at), reason: openPause.reason });
          openPause = null;
        }
        break;
      case "gap":
        intervals.push({ kind: "gap", from: e.at, to: e.until!, ms: t(e.until!) - t(e.at), reason: e.reason, cause: e.cause, lostPackets: e.lostPackets });
        break;
      case "stop":
        if (!stoppedAt) {
          stoppedAt = e.at;
          stopCause = e.cause;
        }
        break;
    }
  }
  if (openPause) {
    issues.push({ code: "never-resumed", at: openPause.at });
    intervals.push({ kind: "pause", from: openPause.at, to: stoppedAt, ms: stoppedAt ? t(stoppedAt) - t(openPause.at) : null, reason: openPause.reason });
  }
  if (!stoppedAt) issues.push({ code: "no-stop" });

  const pausedMs = intervals.filter((i) => i.kind === "pause").reduce((s, i) => s + (i.ms ?? 0), 0);
  const gapMs = intervals.filter((i) => i.kind === "gap").reduce((s, i) => s + (i.ms ?? 0), 0);
  const expectedMediaMs = stoppedAt ? t(stoppedAt) - t(startedAt) - pausedMs - gapMs : null;
  if (expectedMediaMs !== null && Math.abs(expectedMediaMs - recording.durationMs) > DURATION_TOLERANCE_MS) {
    issues.push({ code: "duration-differs", fileMs: recording.durationMs, wallMs: expectedMediaMs });
  }
  return {
    recordingId: recording.id,
    startedAt,
    stoppedAt,
    ...(entries[0]!.cause ? { startCause: entries[0]!.cause } : {}),
    ...(entries[0]!.gapMs !== undefined ? { startGapMs: entries[0]!.gapMs } : {}),
    ...(stopCause ? { stopCause } : {}),
    intervals,
    pausedMs,
    gapMs,
    expectedMediaMs,
    issues,
    continuous: intervals.length === 0 && issues.length === 0,
  };
}
