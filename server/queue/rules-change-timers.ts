// When an admin changes a queue's rules, the drivers already waiting in it follow
// the new rules too: their overflow, maximum-wait and reservation timers (set
// when they entered, from the rules then) are moved to the times the new rules
// give, or removed where the new rules have none. Routing itself reads the rules
// afresh every round; only these timers were fixed at entry.
import type { Db } from "../db/client";
import { entryFacts } from "./queue-service";
import type { QueueRules } from "./queue-rules";
import { cancelTimers, scheduleTimer, type TimerKind } from "./queue-timers";
import { reservationEndsAtMs } from "./route-decision";
import { retryOnDeadlock } from "./retry-on-deadlock";

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

/** Moves the timers of every entry still open in the queue to the new rules; returns how many entries. */
export async function retimeOpenEntries(db: Db, queueId: string, rules: QueueRules): Promise<number> {
  const open = await db.queueEntry.findMany({ where: { queueId, status: { in: ["waiting", "offered"] } } });
  for (const e of open) {
    await retryOnDeadlock(() =>
      db.$transaction(async (tx) => {
        // Re-read inside: the entry may have been answered or abandoned meanwhile, and its timers
        // cancelled. Should that still happen between this read and the write, the timer left
        // behind does nothing: each one acts only on an entry that is still open.
        const now = await tx.queueEntry.findUnique({ where: { id: e.id } });
        if (!now || !["waiting", "offered"].includes(now.status)) return;
        for (const { kind, dueAt } of entryTimerPlan(now, rules)) {
          if (dueAt) await scheduleTimer(tx, kind, now.id, dueAt);
          else await cancelTimers(tx, now.id, [kind]);
        }
      }),
    );
  }
  return open.length;
}
