// Guided capture for staff: the checklist with each item's state, the photos,
// and accepting a rejected photo anyway (with a reason, on record).
import { z } from "zod";
import { itemStates, surveyChecklist } from "../../domain/checklists";
import { router, staffSurveyProcedure } from "../trpc";

export const capturesRouter = router({
  checklist: staffSurveyProcedure("captures.read").query(async ({ ctx }) => {
    const s = await ctx.app.db.survey.findUniqueOrThrow({ where: { id: ctx.survey.id }, include: { claim: { select: { claimType: true } } } });
    const items = await surveyChecklist(ctx.app.db, s);
    const rows = await ctx.app.db.capture.findMany({ where: { surveyId: s.id }, select: { itemKey: true, verdict: true, overrideAt: true } });
    const states = itemStates(items, rows);
    return items.map((i) => ({ ...i, state: states[i.key]! }));
  }),
  list: staffSurveyProcedure("captures.read").query(async ({ ctx }) => ctx.app.captures.list(ctx.survey.id)),
  override: staffSurveyProcedure("capture.override")
    .input(z.object({ captureId: z.string().min(1).max(64), reason: z.string().trim().min(3, "give a reason").max(500) }))
    .mutation(async ({ ctx, input }) =>
      ctx.app.captures.override({ captureId: input.captureId, surveyId: ctx.survey.id, reason: input.reason, userId: ctx.user.id, role: ctx.user.role }),
    ),
});
