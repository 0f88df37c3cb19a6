// The recorded tracks of a survey, for the agent who ran it and for auditors:
// duration, size, SHA-256 and the continuity log of each.
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import { router, staffProcedure } from "../trpc";

export const recordingsRouter = router({
  list: staffProcedure("agent", "admin", "auditor")
    .input(z.object({ surveyId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const survey = await ctx.app.db.survey.findUnique({ where: { id: input.surveyId }, select: { agentId: true, participants: { select: { id: true, displayName: true } } } });
      if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
      if (ctx.user.role === "agent" && survey.agentId && survey.agentId !== ctx.user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
      if (ctx.user.role === "auditor") {
        await ctx.app.db.auditLog.create({ data: { userId: ctx.user.id, action: "recordings.list", targetType: "survey", targetId: input.surveyId } });
      }
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
});
