// Passing a running survey on to another agent (issue 14 point 3). A transfer is
// a queue entry of mode "transfer" that carries the survey (transferSurveyId)
// instead of making one, so it rides on the queue's own machinery: the offer
// with its countdown and persistent timeout, the atomic assignment, the events.
// - To a named agent (who must be ready): the entry is made already offered to
//   them, in the transaction that takes them from ready to offered, so no router
//   can give it to anybody else. Declined or lapsed, it ends "returned": the
//   survey stays with its agent, who is told.
// - To a group (a queue): the entry waits in that queue ahead of every driver
//   (route-decision.ts, compareEntries) and routing offers it to a suitable
//   ready agent of the group; declined or lapsed, it waits for the next one.
// Accepted, the survey's agent becomes the new one (server/domain/survey-access.ts
// decides everything from Survey.agentId, so the new agent may see and run it and
// the old one no longer may: the product's rule "an agent sees the surveys they
// own" stays one rule). The call is untouched: the driver and the adjuster stay
// connected, no SMS, the recording goes on. The old agent's live connection was
// admitted when they joined, so they can stay in the call until the new agent is
// in (a warm transfer: the driver is never left alone with nobody from the
// insurer) and then leave; their queue state goes to wrap-up at the hand-over.
import { hashToken, newSecretToken } from "../auth/secret-token";
import type { Db } from "../db/client";
import { QueueError } from "./queue-errors";
import { copyEventsToSurvey, recordQueueEvent, type Tx } from "./queue-events";
import { parseQueueRules } from "./queue-rules";
import { cancelTimers, scheduleTimer } from "./queue-timers";

export type TransferTarget = { agentId: string } | { queueId: string };

/** Entry statuses of a transfer still under way. */
export const OPEN_TRANSFER = ["waiting", "offered"];

type EntryRow = NonNullable<Awaited<ReturnType<Db["queueEntry"]["findUnique"]>>>;

export interface TransferFacts {
  surveyId: string;
  fromAgentId: string;
  queueId: string;
  claimType: string;
  language: string;
  region: string | null;
  mobile: string;
  policyNumber: string | null;
  plate: string | null;
  policyholderName: string | null;
  externalRef: string | null;
}

/**
 * What the new entry copies from the survey: the claim's facts, so the offer
 * shows the same card as a driver's, and the queue the survey came from (or,
 * for a survey not from the queue, the named agent's first queue).
 */
export async function transferFacts(db: Db, surveyId: string, fromAgentId: string, target: TransferTarget): Promise<TransferFacts> {
  const survey = await db.survey.findUnique({ where: { id: surveyId }, include: { claim: true } });
  if (!survey) throw new QueueError("TRANSFER_TARGET", "No such survey.");
  if (survey.status === "closed") throw new QueueError("TRANSFER_CLOSED", "This survey has ended.");
  // A survey from the queue: its entry's routing facts (language, region) as the driver gave them.
  const own = await db.queueEntry.findFirst({ where: { surveyId }, select: { queueId: true, language: true, region: true } });
  let queueId: string | null = null;
  if ("queueId" in target) {
    const q = await db.queue.findUnique({ where: { id: target.queueId }, select: { id: true } });
    if (!q) throw new QueueError("TRANSFER_TARGET", "No such queue.");
    queueId = q.id;
  } else {
    if (target.agentId === fromAgentId) throw new QueueError("TRANSFER_TARGET", "The survey is already yours.");
    const agent = await db.queueAgent.findUnique({ where: { userId: target.agentId }, select: { queueIds: true } });
    if (!agent) throw new QueueError("TRANSFER_TARGET", "This agent serves no queue.");
    const theirs = (JSON.parse(agent.queueIds) as unknown[]).filter((x): x is string => typeof x === "string");
    queueId = own?.queueId ?? theirs[0] ?? null;
    if (!queueId) throw new QueueError("TRANSFER_TARGET", "This agent serves no queue.");
  }
  return {
    surveyId,
    fromAgentId,
    queueId,
    claimType: survey.claim.claimType,
    language: own?.language ?? (survey.locale === "en" ? "en" : "zh-CN"),
    region: own ? own.region : survey.claim.incidentPlace || null,
    mobile: survey.claim.policyholderMobile,
    policyNumber: survey.claim.policyNumber || null,
    plate: survey.claim.plate || null,
    policyholderName: survey.claim.policyholderName || null,
    externalRef: survey.claim.externalRef,
  };
}

/**
 * Writes the transfer entry and its "transferred" event. To a named agent, the
 * agent goes ready→offered and the offer with its timeout is made in the same
 * transaction; null when that agent is no longer ready (nothing was written: a
 * transaction here never throws, see atomic-assignment.ts). Also null when a
 * transfer of this survey is already under way (one at a time).
 */
export async function writeTransfer(
  tx: Tx,
  f: TransferFacts,
  target: TransferTarget,
  now: Date,
): Promise<{ entryId: string; offerId: string | null } | "pending" | "not-ready"> {
  const open = await tx.queueEntry.findFirst({ where: { transferSurveyId: f.surveyId, status: { in: OPEN_TRANSFER } }, select: { id: true } });
  if (open) return "pending";
  const rules = parseQueueRules((await tx.queue.findUniqueOrThrow({ where: { id: f.queueId }, select: { rules: true } })).rules);
  const toAgentId = "agentId" in target ? target.agentId : null;
  if (toAgentId) {
    const taken = await tx.queueAgent.updateMany({ where: { userId: toAgentId, state: "ready" }, data: { state: "offered", stateSince: now } });
    if (taken.count !== 1) return "not-ready";
  }
  const entry = await tx.queueEntry.create({
    data: {
      queueId: f.queueId,
      mode: "transfer",
      // Ahead of the drivers: the driver is already in a call, and an agent is held by it.
      vip: true,
      status: toAgentId ? "offered" : "waiting",
      offerCount: toAgentId ? 1 : 0,
      claimType: f.claimType,
      language: f.language,
      region: f.region,
      mobile: f.mobile,
      policyNumber: f.policyNumber,
      plate: f.plate,
      policyholderName: f.policyholderName,
      externalRef: f.externalRef,
      // The entry opens no page and joins no call: its token is never handed out.
      tokenHash: hashToken(newSecretToken()),
      enteredAt: now,
      // The agent passing it on is never offered it back.
      passedBy: JSON.stringify([f.fromAgentId]),
      transferSurveyId: f.surveyId,
      transferFromAgentId: f.fromAgentId,
      transferToAgentId: toAgentId,
    },
  });
  await recordQueueEvent(tx, {
    type: "transferred",
    at: now,
    entryId: entry.id,
    queueId: f.queueId,
    agentId: f.fromAgentId,
    payload: { surveyId: f.surveyId, fromAgentId: f.fromAgentId, toAgentId, toQueueId: toAgentId ? null : f.queueId },
  });
  if (!toAgentId) {
    if (rules.overflowAfterSec !== null && rules.overflowQueueId) await scheduleTimer(tx, "overflow", entry.id, new Date(now.getTime() + rules.overflowAfterSec * 1000));
    return { entryId: entry.id, offerId: null };
  }
  const expiresAt = new Date(now.getTime() + rules.offerTimeoutSec * 1000);
  const offer = await tx.queueOffer.create({ data: { entryId: entry.id, agentId: toAgentId, offeredAt: now, expiresAt } });
  await scheduleTimer(tx, "offer-timeout", offer.id, expiresAt);
  await recordQueueEvent(tx, { type: "offered", at: now, entryId: entry.id, queueId: f.queueId, agentId: toAgentId, payload: { offerId: offer.id, reason: "transfer", expiresAt: expiresAt.toISOString() } });
  return { entryId: entry.id, offerId: offer.id };
}

/**
 * Ends a transfer under way without a new agent: "returned" (declined or lapsed
 * at a named agent, withdrawn by the agent, or the survey ended meanwhile). An
 * offer still ringing stops and its agent is ready again. False if it was no
 * longer under way.
 */
export async function returnTransfer(tx: Tx, entry: { id: string; queueId: string; transferFromAgentId: string | null }, reason: string, now: Date): Promise<boolean> {
  const res = await tx.queueEntry.updateMany({ where: { id: entry.id, mode: "transfer", status: { in: OPEN_TRANSFER } }, data: { status: "returned", endedAt: now } });
  if (res.count !== 1) return false;
  const pending = await tx.queueOffer.findMany({ where: { entryId: entry.id, status: "pending" } });
  for (const o of pending) {
    await tx.queueOffer.updateMany({ where: { id: o.id, status: "pending" }, data: { status: "withdrawn", answeredAt: now } });
    await tx.queueAgent.updateMany({ where: { userId: o.agentId, state: "offered" }, data: { state: "ready", stateSince: now } });
    await cancelTimers(tx, o.id, ["offer-timeout"]);
  }
  await cancelTimers(tx, entry.id, ["overflow", "max-wait", "reroute", "dropped"]);
  await recordQueueEvent(tx, { type: "transfer.returned", at: now, entryId: entry.id, queueId: entry.queueId, agentId: entry.transferFromAgentId, payload: { reason } });
  return true;
}

/**
 * The accepted transfer's hand-over: the survey becomes the new agent's (unless
 * it ended meanwhile), and the agent who passed it on is no longer in a survey
 * (wrap-up, as after any survey, if they serve a queue). Then the entry's events
 * go into the survey's timeline. Safe to run again after a crash: it sets, it
 * does not toggle, and only the latest answered transfer is ever repaired.
 */
export async function handOver(db: Db, entry: EntryRow, finishWork: (agentId: string, queueId: string) => Promise<void>): Promise<string> {
  const surveyId = entry.transferSurveyId!;
  if (entry.assignedAgentId) await db.survey.updateMany({ where: { id: surveyId, status: { not: "closed" } }, data: { agentId: entry.assignedAgentId } });
  if (entry.transferFromAgentId) {
    try {
      await finishWork(entry.transferFromAgentId, entry.queueId);
    } catch (err) {
      // Not busy (a survey made outside the queue, or already wrapped up): nothing to finish.
      if (!(err instanceof QueueError && err.code === "AGENT_BUSY")) throw err;
    }
  }
  await copyEventsToSurvey(db, entry.id, surveyId);
  return surveyId;
}

/** The agent who runs the survey now for the queue: the latest accepted transfer's, else the entry that made it. */
export async function currentQueueWork(db: Db, surveyId: string): Promise<{ assignedAgentId: string | null; queueId: string } | null> {
  const transferred = await db.queueEntry.findFirst({ where: { transferSurveyId: surveyId, status: "answered" }, orderBy: { answeredAt: "desc" }, select: { assignedAgentId: true, queueId: true } });
  return transferred ?? (await db.queueEntry.findFirst({ where: { surveyId, status: "answered" }, select: { assignedAgentId: true, queueId: true } }));
}

/** The survey an agent is busy with: the answered entry's own survey, or the one a transfer brought them. */
export async function currentSurveyOf(db: Db, agentId: string): Promise<{ surveyId: string | null; queueId: string } | null> {
  const e = await db.queueEntry.findFirst({ where: { assignedAgentId: agentId, status: "answered" }, orderBy: { answeredAt: "desc" }, select: { surveyId: true, transferSurveyId: true, queueId: true } });
  return e ? { surveyId: e.surveyId ?? e.transferSurveyId, queueId: e.queueId } : null;
}
