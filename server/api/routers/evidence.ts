// The agent's view of a closed survey's evidence package: build progress and,
// once ready, the manifest SHA-256 and the destroy-after date. Read-only.
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import { readPackageCompleteness } from "../../evidence/package-completeness";
import { router, staffProcedure } from "../trpc";

export const evidenceRouter = router({
  status: staffProcedure("agent", "admin")
    .input(z.object({ surveyId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const survey = await ctx.app.db.survey.findUnique({
        where: { id: input.surveyId },
        select: {
          agentId: true,
          status: true,
          evidence: { select: { status: true, stage: true, progress: true, manifestSha256: true, destroyAfter: true, legalHold: true, error: true, updatedAt: true } },
        },
      });
      if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
      // Same reach as the agent's survey page: own surveys and unassigned ones; admins all.
      if (ctx.user.role !== "admin" && survey.agentId && survey.agentId !== ctx.user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
      return { surveyStatus: survey.status, package: survey.evidence };
    }),

  /** What the ready package says was and was not recorded (null until it is ready). */
  completeness: staffProcedure("agent", "admin")
    .input(z.object({ surveyId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const survey = await ctx.app.db.survey.findUnique({ where: { id: input.surveyId }, select: { agentId: true, evidence: { select: { status: true, storagePath: true } } } });
      if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
      if (ctx.user.role !== "admin" && survey.agentId && survey.agentId !== ctx.user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
      if (survey.evidence?.status !== "ready" || !survey.evidence.storagePath) return null;
      return readPackageCompleteness(survey.evidence.storagePath);
    }),
});
