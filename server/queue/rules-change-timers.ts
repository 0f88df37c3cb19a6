// When an admin changes a queue's rules, the drivers already waiting in it follow
// the new rules too: their overflow, maximum-wait and reservation timers (set
// when they entered, from the rules then) are moved to the times the new rules
// give, or removed where the new rules have none. Routing itself reads the rules
// afresh every round; only these timers were fixed at entry.
import type { Db } from "../db/client";
import type { QueueRules } from "./queue-rules";
import { cancelTimers, scheduleTimer } from "./queue-timers";
import { entryTimerPlan } from "./entry-timer-plan";
import { retryOnDeadlock } from "./retry-on-deadlock";

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
