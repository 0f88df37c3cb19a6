// Offering one waiting entry to one ready agent, atomically, on both databases:
// inside one transaction the entry goes waiting→offered and the agent
// ready→offered by conditional updates that count the rows they changed; if
// either was taken meanwhile (another router, another server on the same
// database) nothing happens, and the caller's round decides again from fresh
// facts (queue-service.ts, routeOnce).
// Both rows are checked before anything is written, so a failed offer never shows
// a passing state to anyone:
// - PostgreSQL: the two rows are locked with FOR UPDATE (entry, then agent, the
//   order every queue transaction takes them in), waiting for a transaction still
//   open on either, and then seen as it left them. (SKIP LOCKED, used before, made
//   an offer fail while the other transaction might still let go of the row: the
//   round then skipped a VIP another router was only trying, and offered a plain
//   driver the agent the VIP could have had.)
// - SQLite: the transaction is the single writer, so plain reads inside it are the
//   check. The other requests' plain queries share the process's one connection
//   and see a transaction's writes before it ends: writing the entry first and
//   undoing it when the agent turned out to be taken showed the entry, for a moment,
//   as offered, and another router reading then passed over it.
// A transaction here never ends by throwing: on SQLite the process shares one
// connection, and a rollback would also undo whatever another request wrote on
// it meanwhile (a survey event, say); a lost race is undone by a compensating
// update inside the same transaction, which then commits.
import type { Db } from "../db/client";
import { recordQueueEvent, type Tx } from "./queue-events";
import { scheduleTimer } from "./queue-timers";
import { retryOnDeadlock } from "./retry-on-deadlock";
import type { OfferReason } from "./route-decision";

export type Provider = "sqlite" | "postgresql";

/** Why an offer was not made: its entry no longer waits, or its agent is no longer ready (taken meanwhile). */
export interface OfferLost {
  lost: "entry" | "agent";
}

/** Which of the two was taken meanwhile, or null when the entry still waits and the agent is still ready (on PostgreSQL, both now locked by this transaction). */
async function takenMeanwhile(tx: Tx, provider: Provider, entryId: string, agentId: string): Promise<OfferLost | null> {
  if (provider === "sqlite") {
    if ((await tx.queueEntry.count({ where: { id: entryId, status: "waiting" } })) !== 1) return { lost: "entry" };
    return (await tx.queueAgent.count({ where: { userId: agentId, state: "ready" } })) === 1 ? null : { lost: "agent" };
  }
  const entries = await tx.$queryRawUnsafe<{ id: string }[]>(`SELECT "id" FROM "QueueEntry" WHERE "id" = $1 AND "status" = 'waiting' FOR UPDATE`, entryId);
  if (entries.length !== 1) return { lost: "entry" };
  const agents = await tx.$queryRawUnsafe<{ userId: string }[]>(`SELECT "userId" FROM "QueueAgent" WHERE "userId" = $1 AND "state" = 'ready' FOR UPDATE`, agentId);
  return agents.length === 1 ? null : { lost: "agent" };
}

export interface OfferMade {
  offerId: string;
  entryId: string;
  agentId: string;
  expiresAt: Date;
}

export async function tryOffer(
  db: Db,
  provider: Provider,
  args: { entryId: string; queueId: string; agentId: string; reason: OfferReason; now: Date; offerTimeoutSec: number },
): Promise<OfferMade | OfferLost> {
  const { entryId, agentId, now } = args;
  const expiresAt = new Date(now.getTime() + args.offerTimeoutSec * 1000);
  return retryOnDeadlock(() => db.$transaction(async (tx): Promise<OfferMade | OfferLost> => {
      const taken = await takenMeanwhile(tx, provider, entryId, agentId);
      if (taken) return taken;
      const entry = await tx.queueEntry.updateMany({ where: { id: entryId, status: "waiting" }, data: { status: "offered", offerCount: { increment: 1 } } });
      if (entry.count !== 1) return { lost: "entry" };
      const agent = await tx.queueAgent.updateMany({ where: { userId: agentId, state: "ready" }, data: { state: "offered", stateSince: now } });
      if (agent.count !== 1) {
        await tx.queueEntry.updateMany({ where: { id: entryId, status: "offered" }, data: { status: "waiting", offerCount: { decrement: 1 } } });
        return { lost: "agent" };
      }
      const offer = await tx.queueOffer.create({ data: { entryId, agentId, offeredAt: now, expiresAt } });
      await scheduleTimer(tx, "offer-timeout", offer.id, expiresAt);
      await recordQueueEvent(tx, { type: "offered", at: now, entryId, queueId: args.queueId, agentId, payload: { offerId: offer.id, reason: args.reason, expiresAt: expiresAt.toISOString() } });
      return { offerId: offer.id, entryId, agentId, expiresAt };
  }));
}
