// Offering one waiting entry to one ready agent, atomically, on both databases:
// inside one transaction the entry goes waiting→offered and the agent
// ready→offered by conditional updates that count the rows they changed; if
// either was taken meanwhile (another router, another server on the same
// database) nothing happens. On PostgreSQL the two rows are first locked with
// FOR UPDATE SKIP LOCKED, so a router that meets a row another router is
// deciding on skips it at once instead of queueing behind it. On SQLite the
// transaction is the single writer, and the conditional updates are the check.
import type { Db } from "../db/client";
import { recordQueueEvent, type Tx } from "./queue-events";
import { scheduleTimer } from "./queue-timers";
import type { OfferReason } from "./route-decision";

export type Provider = "sqlite" | "postgresql";

class Taken extends Error {
  constructor() {
    super("entry or agent taken by another router");
    this.name = "Taken";
  }
}

async function lockBoth(tx: Tx, entryId: string, agentId: string): Promise<boolean> {
  const entries = await tx.$queryRawUnsafe<{ id: string }[]>(
    `SELECT "id" FROM "QueueEntry" WHERE "id" = $1 AND "status" = 'waiting' FOR UPDATE SKIP LOCKED`,
    entryId,
  );
  if (entries.length !== 1) return false;
  const agents = await tx.$queryRawUnsafe<{ userId: string }[]>(
    `SELECT "userId" FROM "QueueAgent" WHERE "userId" = $1 AND "state" = 'ready' FOR UPDATE SKIP LOCKED`,
    agentId,
  );
  return agents.length === 1;
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
): Promise<OfferMade | null> {
  const { entryId, agentId, now } = args;
  const expiresAt = new Date(now.getTime() + args.offerTimeoutSec * 1000);
  try {
    return await db.$transaction(async (tx) => {
      if (provider === "postgresql" && !(await lockBoth(tx, entryId, agentId))) throw new Taken();
      const entry = await tx.queueEntry.updateMany({ where: { id: entryId, status: "waiting" }, data: { status: "offered", offerCount: { increment: 1 } } });
      if (entry.count !== 1) throw new Taken();
      const agent = await tx.queueAgent.updateMany({ where: { userId: agentId, state: "ready" }, data: { state: "offered", stateSince: now } });
      if (agent.count !== 1) throw new Taken();
      const offer = await tx.queueOffer.create({ data: { entryId, agentId, offeredAt: now, expiresAt } });
      await scheduleTimer(tx, "offer-timeout", offer.id, expiresAt);
      await recordQueueEvent(tx, { type: "offered", at: now, entryId, queueId: args.queueId, agentId, payload: { offerId: offer.id, reason: args.reason, expiresAt: expiresAt.toISOString() } });
      return { offerId: offer.id, entryId, agentId, expiresAt };
    });
  } catch (err) {
    if (err instanceof Taken) return null;
    throw err;
  }
}
