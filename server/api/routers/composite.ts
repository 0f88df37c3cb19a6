// Composite (grid) video of a closed survey: the agent who ran it, auditors and
// admins start the render and poll its progress. The render runs in the
// background (server/recording/composite-render.ts); an auditor's start is
// logged (server/domain/survey-access.ts says so).
import { DomainError } from "../../domain/errors";
import { compositeRenderer } from "../../recording/composite-render";
import { router, staffSurveyProcedure } from "../trpc";

export const compositeRouter = router({
  status: staffSurveyProcedure("composite.status").query(async ({ ctx }) => compositeRenderer(ctx.app).status(ctx.survey.id)),

  start: staffSurveyProcedure("composite.start").mutation(async ({ ctx }) => {
    if (ctx.survey.status !== "closed") throw new DomainError("CONFLICT", "The composite is rendered after the survey has ended.");
    return compositeRenderer(ctx.app).start(ctx.survey.id);
  }),
});
