// Queue events: written in the same transaction as the state change they record,
// so the stored events are the truth the wallboard and the load test count from.
// Once an entry has a survey, its events go into the survey's timeline too
// (and so into the evidence package).
import type { Prisma } from "../../prisma/generated/sqlite";
import type { Db } from "../db/client";
import { appendSurveyEvent, type SurveyEventType } from "../domain/survey-events";

export const queueEventTypes = [
  "entered",
  "offered",
  "declined",
  "timedout",
  "answered",
  "abandoned",
  "transferred",
  /** A transfer that ended without a new agent (declined, lapsed, withdrawn): the survey stayed. */
  "transfer.returned",
  "overflowed",
  "callback.offered",
  "callback",
  "agent.state",
] as const;
export type QueueEventType = (typeof queueEventTypes)[number];

export interface NewQueueEvent {
  type: QueueEventType;
  at: Date;
  entryId?: string | null;
  queueId?: string | null;
  agentId?: string | null;
  payload?: Record<string, unknown>;
}

export type Tx = Prisma.TransactionClient;

export async function recordQueueEvent(tx: Tx | Db, e: NewQueueEvent): Promise<void> {
  await tx.queueEvent.create({
    data: {
      type: e.type,
      at: e.at,
      entryId: e.entryId ?? null,
      queueId: e.queueId ?? null,
      agentId: e.agentId ?? null,
      payload: JSON.stringify(e.payload ?? {}),
    },
  });
}

/** The survey timeline's name for a queue event. */
export function surveyTypeOf(type: QueueEventType): SurveyEventType | null {
  return type === "agent.state" ? null : (`queue.${type}` as SurveyEventType);
}

/**
 * Copies the entry's queue events not yet in the survey's timeline into it, in
 * the order they happened, marking each copied. Safe to run again (after a
 * crash half-way): an event is marked only after it was appended.
 */
export async function copyEventsToSurvey(db: Db, entryId: string, surveyId: string): Promise<number> {
  const events = await db.queueEvent.findMany({ where: { entryId, surveyId: null }, orderBy: [{ at: "asc" }, { id: "asc" }] });
  let copied = 0;
  for (const e of events) {
    const type = surveyTypeOf(e.type as QueueEventType);
    if (type) {
      const payload = { ...(JSON.parse(e.payload) as Record<string, unknown>), queueEventId: e.id, queueId: e.queueId, agentId: e.agentId, at: e.at.toISOString() };
      await appendSurveyEvent(db, surveyId, { type, actorId: e.agentId, actorRole: e.agentId ? "agent" : null, payload });
      copied++;
    }
    await db.queueEvent.update({ where: { id: e.id }, data: { surveyId } });
  }
  return copied;
}
