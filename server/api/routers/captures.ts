// Guided capture for staff: the checklist with each item's state, the photos,
// and accepting a rejected photo anyway (with a reason, on record).
import { z } from "zod";
import { itemStates, surveyChecklist } from "../../domain/checklists";
import { DomainError } from "../../domain/errors";
import type { Db } from "../../db/client";
import { router, staffProcedure } from "../trpc";

const surveyInput = z.object({ surveyId: z.string().min(1).max(64) });

async function assertAgentOf(db: Db, user: { id: string; role: string }, surveyId: string) {
  const s = await db.survey.findUnique({ where: { id: surveyId }, include: { claim: { select: { claimType: true } } } });
  if (!s) throw new DomainError("NOT_FOUND", "No such survey.");
  if (user.role !== "admin" && s.agentId && s.agentId !== user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
  return s;
}

export const capturesRouter = router({
  checklist: staffProcedure("agent", "admin")
    .input(surveyInput)
    .query(async ({ ctx, input }) => {
      const s = await assertAgentOf(ctx.app.db, ctx.user, input.surveyId);
      const items = await surveyChecklist(ctx.app.db, s);
      const rows = await ctx.app.db.capture.findMany({ where: { surveyId: s.id }, select: { itemKey: true, verdict: true, overrideAt: true } });
      const states = itemStates(items, rows);
      return items.map((i) => ({ ...i, state: states[i.key]! }));
    }),
  list: staffProcedure("agent", "admin")
    .input(surveyInput)
    .query(async ({ ctx, input }) => {
      await assertAgentOf(ctx.app.db, ctx.user, input.surveyId);
      return ctx.app.captures.list(input.surveyId);
    }),
  override: staffProcedure("agent", "admin")
    .input(surveyInput.extend({ captureId: z.string().min(1).max(64), reason: z.string().trim().min(3, "give a reason").max(500) }))
    .mutation(async ({ ctx, input }) => {
      await assertAgentOf(ctx.app.db, ctx.user, input.surveyId);
      return ctx.app.captures.override({ captureId: input.captureId, surveyId: input.surveyId, reason: input.reason, userId: ctx.user.id, role: ctx.user.role });
    }),
});
