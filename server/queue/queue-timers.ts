// Persistent timers (offer timeout, overflow, maximum wait, reservation end,
// wrap-up, a dropped waiting page, a callback SMS to send again) as rows with a
// due time, on both databases. Why not pg-boss or graphile-worker: both run on PostgreSQL only, keep their own schema and clock
// (the database's now()), and cannot share the transaction that changes the
// queue; here a timer is written and removed in the very transaction that
// offers, answers or ends, and the due time follows the service's clock, which
// the load test drives. A timer fires by being deleted inside the transaction
// that acts on it: two routers never both act, and a crash leaves it due. A
// timer moved later meanwhile (the waiting page's "dropped" timer, pushed on by
// every poll) is not taken: only a timer still due fires.
import type { Db } from "../db/client";
import type { Tx } from "./queue-events";

export const timerKinds = ["offer-timeout", "overflow", "max-wait", "reroute", "wrap-up", "dropped", "callback-link"] as const;
export type TimerKind = (typeof timerKinds)[number];

export async function scheduleTimer(tx: Tx | Db, kind: TimerKind, refId: string, dueAt: Date): Promise<void> {
  await tx.queueTimer.upsert({ where: { kind_refId: { kind, refId } }, create: { kind, refId, dueAt }, update: { dueAt } });
}

export async function cancelTimers(tx: Tx | Db, refId: string, kinds: readonly TimerKind[]): Promise<void> {
  await tx.queueTimer.deleteMany({ where: { refId, kind: { in: [...kinds] } } });
}

export async function dueTimers(db: Db, now: Date, limit = 200) {
  return db.queueTimer.findMany({ where: { dueAt: { lte: now } }, orderBy: [{ dueAt: "asc" }, { id: "asc" }], take: limit });
}

/** Takes the timer inside tx; false when another router already fired it or it was moved past `now`. */
export async function takeTimer(tx: Tx, id: string, now: Date): Promise<boolean> {
  const { count } = await tx.queueTimer.deleteMany({ where: { id, dueAt: { lte: now } } });
  return count === 1;
}

/** The earliest due time, so a server knows when to look again. */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const next = await db.queueTimer.findFirst({ orderBy: { dueAt: "asc" }, select: { dueAt: true } });
  return next?.dueAt ?? null;
}
