// The recorded tracks of a survey, for the agent who ran it and for auditors:
// duration, size, SHA-256 and the continuity log of each.
import { parseEventPayload } from "../../domain/survey-events";
import { surveyChecklist } from "../../domain/checklists";
import { IDENTITY_ITEMS } from "../../identity/identity-items";
import { recordingStatusSchema } from "../../domain/recording-status";
import type { Db } from "../../db/client";
import { router, staffSurveyProcedure } from "../trpc";

/** The participants' names for the list and the timeline; who may look was decided by the procedure (an auditor's look is logged). */
async function participantsOf(db: Db, surveyId: string) {
  return db.participant.findMany({ where: { surveyId }, select: { id: true, displayName: true, role: true } });
}

export const recordingsRouter = router({
  list: staffSurveyProcedure("recordings.list").query(async ({ ctx, input }) => {
      const names = new Map((await participantsOf(ctx.app.db, input.surveyId)).map((p) => [p.id, p.displayName]));
      const rows = await ctx.app.db.recording.findMany({ where: { surveyId: input.surveyId }, orderBy: { startedAt: "asc" } });
      return rows.map((r) => ({
        id: r.id,
        participantId: r.participantId,
        displayName: names.get(r.participantId) ?? "",
        role: r.role,
        kind: r.kind,
        codec: r.codec,
        status: recordingStatusSchema.parse(r.status),
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
  timeline: staffSurveyProcedure("playback.open").query(async ({ ctx, input }) => {
    const names = new Map((await participantsOf(ctx.app.db, input.surveyId)).map((p) => [p.id, `${p.displayName}`]));
    const events = await ctx.app.db.surveyEvent.findMany({ where: { surveyId: input.surveyId }, orderBy: { seq: "asc" } });
    // Staff act by account (an override): name the person, never the id or the bare role.
    const accountIds = [...new Set(events.map((e) => e.actorId).filter((id): id is string => Boolean(id) && !names.has(id!)))];
    for (const u of await ctx.app.db.user.findMany({ where: { id: { in: accountIds } }, select: { id: true, name: true } })) names.set(u.id, u.name);
    const full = await ctx.app.db.survey.findUniqueOrThrow({ where: { id: input.surveyId }, select: { checklist: true, claim: { select: { claimType: true } } } });
    const labels = new Map([...(await surveyChecklist(ctx.app.db, full)), ...IDENTITY_ITEMS].map((i) => [i.key, i.label]));
    return events
      .filter((e) => ["participant.joined", "participant.left", "recording.consent", "guide.pushed", "capture.assessed", "capture.overridden", "chat.message", "statement.requested", "statement.signed", "statement.confirmed", "survey.closed"].includes(e.type))
      .map((e) => {
        const payload = parseEventPayload(e.payload);
        const itemLabel = typeof payload.itemKey === "string" ? (labels.get(payload.itemKey) ?? null) : null;
        return { seq: e.seq, at: e.at, type: e.type, actor: e.actorId ? (names.get(e.actorId) ?? null) : null, actorRole: e.actorRole, itemLabel, payload };
      });
  }),
});
