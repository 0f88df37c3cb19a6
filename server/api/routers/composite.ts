// Composite (grid) video of a closed survey: the agent who ran it, auditors and
// admins start the render and poll its progress. The render runs in the
// background (server/recording/composite-render.ts); an auditor's start is logged.
import { z } from "zod";
import { DomainError } from "../../domain/errors";
import { compositeRenderer } from "../../recording/composite-render";
import type { Db } from "../../db/client";
import { router, staffProcedure } from "../trpc";

const surveyInput = z.object({ surveyId: z.string().min(1).max(64) });
const reviewerProcedure = staffProcedure("agent", "admin", "auditor");

async function checkAccess(db: Db, user: { id: string; role: string }, surveyId: string) {
  const survey = await db.survey.findUnique({ where: { id: surveyId }, select: { id: true, agentId: true, status: true } });
  if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
  if (user.role === "agent" && survey.agentId && survey.agentId !== user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
  return survey;
}

export const compositeRouter = router({
  status: reviewerProcedure.input(surveyInput).query(async ({ ctx, input }) => {
    await checkAccess(ctx.app.db, ctx.user, input.surveyId);
    return compositeRenderer(ctx.app).status(input.surveyId);
  }),

  start: reviewerProcedure.input(surveyInput).mutation(async ({ ctx, input }) => {
    const survey = await checkAccess(ctx.app.db, ctx.user, input.surveyId);
    if (survey.status !== "closed") throw new DomainError("CONFLICT", "The composite is rendered after the survey has ended.");
    if (ctx.user.role === "auditor") await ctx.app.db.auditLog.create({ data: { userId: ctx.user.id, action: "composite.start", targetType: "survey", targetId: input.surveyId } });
    return compositeRenderer(ctx.app).start(input.surveyId);
  }),
});
