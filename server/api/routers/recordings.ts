// The recorded tracks of a survey, for the agent who ran it and for auditors:
// duration, size, SHA-256 and the continuity log of each.
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import { parseEventPayload } from "../../domain/survey-events";
import { surveyChecklist } from "../../domain/checklists";
import type { Db } from "../../db/client";
import { router, staffProcedure } from "../trpc";

const surveyInput = z.object({ surveyId: z.string().min(1).max(64) });
const reviewerProcedure = staffProcedure("agent", "admin", "auditor");

/** The agent who ran the survey, auditors and admins; an auditor's look is logged. */
async function surveyForReview(db: Db, user: { id: string; role: string }, surveyId: string, action: string) {
  const survey = await db.survey.findUnique({ where: { id: surveyId }, select: { id: true, agentId: true, participants: { select: { id: true, displayName: true, role: true } } } });
  if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
  if (user.role === "agent" && survey.agentId && survey.agentId !== user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
  if (user.role === "auditor") await db.auditLog.create({ data: { userId: user.id, action, targetType: "survey", targetId: surveyId } });
  return survey;
}

export const recordingsRouter = router({
  list: reviewerProcedure.input(surveyInput).query(async ({ ctx, input }) => {
      const survey = await surveyForReview(ctx.app.db, ctx.user, input.surveyId, "recordings.list");
      const names = new Map(survey.participants.map((p) => [p.id, p.displayName]));
      const rows = await ctx.app.db.recording.findMany({ where: { surveyId: input.surveyId }, orderBy: { startedAt: "asc" } });
      return rows.map((r) => ({
        id: r.id,
        participantId: r.participantId,
        displayName: names.get(r.participantId) ?? "",
        role: r.role,
        kind: r.kind,
        codec: r.codec,
        status: r.status,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        durationMs: r.durationMs,
        byteSize: r.byteSize,
        sha256: r.sha256,
        storageKey: r.storageKey,
        continuity: JSON.parse(r.continuity) as { type: string; at: string; cause?: string; gapMs?: number }[],
      }));
    }),

  /** What the playback page needs besides the media: the timeline and the photos, as markers. */
  timeline: reviewerProcedure.input(surveyInput).query(async ({ ctx, input }) => {
    const survey = await surveyForReview(ctx.app.db, ctx.user, input.surveyId, "playback.open");
    const names = new Map(survey.participants.map((p) => [p.id, `${p.displayName}`]));
    const events = await ctx.app.db.surveyEvent.findMany({ where: { surveyId: input.surveyId }, orderBy: { seq: "asc" } });
    // Staff act by account (an override): name the person, never the id or the bare role.
    const accountIds = [...new Set(events.map((e) => e.actorId).filter((id): id is string => Boolean(id) && !names.has(id!)))];
    for (const u of await ctx.app.db.user.findMany({ where: { id: { in: accountIds } }, select: { id: true, name: true } })) names.set(u.id, u.name);
    const full = await ctx.app.db.survey.findUniqueOrThrow({ where: { id: input.surveyId }, select: { checklist: true, claim: { select: { claimType: true } } } });
    const labels = new Map((await surveyChecklist(ctx.app.db, full)).map((i) => [i.key, i.label]));
    return events
      .filter((e) => ["participant.joined", "participant.left", "recording.consent", "guide.pushed", "capture.assessed", "capture.overridden", "chat.message", "survey.closed"].includes(e.type))
      .map((e) => {
        const payload = parseEventPayload(e.payload);
        const itemLabel = typeof payload.itemKey === "string" ? (labels.get(payload.itemKey) ?? null) : null;
        return { seq: e.seq, at: e.at, type: e.type, actor: e.actorId ? (names.get(e.actorId) ?? null) : null, actorRole: e.actorRole, itemLabel, payload };
      });
  }),
});
