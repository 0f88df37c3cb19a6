// The timers a waiting entry carries, from its queue's rules: set when it enters
// (queue-service) and moved when an admin changes the rules (rules-change-timers),
// from this one plan so the two can never disagree.
import type { Db } from "../db/client";
import { entryFacts } from "./entry-facts";
import type { QueueRules } from "./queue-rules";
import type { TimerKind } from "./queue-timers";
import { reservationEndsAtMs } from "./route-decision";

type EntryRow = Awaited<ReturnType<Db["queueEntry"]["findMany"]>>[number];

/** Each entry timer the rules give this open entry: when it is due, or null for none. */
export function entryTimerPlan(e: EntryRow, rules: QueueRules): { kind: TimerKind; dueAt: Date | null }[] {
  const enteredMs = e.enteredAt.getTime();
  const overflow = rules.overflowQueueId !== null && rules.overflowAfterSec !== null && !e.overflowed ? new Date(enteredMs + rules.overflowAfterSec * 1000) : null;
  const maxWait = rules.maxWaitSec !== null && e.mode === "live" && !e.callbackOffered ? new Date(enteredMs + rules.maxWaitSec * 1000) : null;
  const reservationEnd = reservationEndsAtMs(entryFacts(e), rules);
  return [
    { kind: "overflow", dueAt: overflow },
    { kind: "max-wait", dueAt: maxWait },
    { kind: "reroute", dueAt: reservationEnd === null ? null : new Date(reservationEnd) },
  ];
}
