// The survey timeline is append-only: rows are only ever inserted, with a dense
// per-survey sequence number, so a missing or reordered event is visible.
import { Prisma } from "../../prisma/generated/sqlite";
import type { Db } from "../db/client";

export const surveyEventTypes = [
  "survey.created",
  "survey.opened",
  "survey.closed",
  "invite.created",
  "invite.revoked",
  "sms.queued",
  "participant.joined",
  "participant.left",
  "media.track.started",
  "media.track.paused",
  "media.track.resumed",
  "media.track.stopped",
  "chat.message",
  "recording.consent",
  "recording.started",
  "recording.failed",
  "recording.track.started",
  "recording.track.finalised",
  "recording.track.failed",
  "recording.track.recovered",
  "recording.finalised",
  "guide.pushed",
  "capture.requested",
  "capture.assessed",
  "capture.overridden",
  "capture.provisional",
  "evidence.building",
  "evidence.ready",
  "evidence.failed",
  "evidence.purged",
  // The video-reporting queue's events for this survey's entry (server/queue/queue-events.ts).
  "queue.entered",
  "queue.offered",
  "queue.declined",
  "queue.timedout",
  "queue.answered",
  "queue.abandoned",
  "queue.transferred",
  "queue.overflowed",
  "queue.callback.offered",
  "queue.callback",
  "queue.transfer.returned",
  // The driver's statement and signature (server/domain/statement.ts).
  "statement.requested",
  "statement.signed",
  "statement.confirmed",
  // Ended without a signed statement, with the agent's reason (server/domain/statement-end-rule.ts).
  "statement.waived",
  // The identity step (server/identity/identity-step.ts).
  "identity.requested",
  "identity.read",
  "identity.attested",
] as const;
export type SurveyEventType = (typeof surveyEventTypes)[number];

export interface NewSurveyEvent {
  type: SurveyEventType;
  actorId?: string | null;
  actorRole?: string | null;
  payload?: Record<string, unknown>;
}

// Appends for one survey are serialised in-process; the unique (surveyId, seq)
// index plus a retry covers several processes sharing one database.
const tails = new Map<string, Promise<unknown>>();

export function appendSurveyEvent(db: Db, surveyId: string, event: NewSurveyEvent) {
  const previous = tails.get(surveyId) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => insertWithRetry(db, surveyId, event));
  tails.set(surveyId, next);
  void next.finally(() => {
    if (tails.get(surveyId) === next) tails.delete(surveyId);
  }).catch(() => undefined);
  return next;
}

async function insertWithRetry(db: Db, surveyId: string, event: NewSurveyEvent) {
  for (let attempt = 0; ; attempt++) {
    const last = await db.surveyEvent.findFirst({ where: { surveyId }, orderBy: { seq: "desc" }, select: { seq: true } });
    try {
      return await db.surveyEvent.create({
        data: {
          surveyId,
          seq: (last?.seq ?? 0) + 1,
          type: event.type,
          actorId: event.actorId ?? null,
          actorRole: event.actorRole ?? null,
          payload: JSON.stringify(event.payload ?? {}),
        },
      });
    } catch (err) {
      const duplicateSeq = err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
      if (!duplicateSeq || attempt >= 8) throw err;
    }
  }
}

export function parseEventPayload(payload: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(payload);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
