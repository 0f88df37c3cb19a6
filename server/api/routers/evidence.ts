// The agent's view of a closed survey's evidence package: build progress and,
// once ready, the manifest SHA-256 and the destroy-after date. Read-only.
import { router, staffSurveyProcedure } from "../trpc";

export const evidenceRouter = router({
  status: staffSurveyProcedure("evidence.status").query(async ({ ctx }) => {
    const survey = await ctx.app.db.survey.findUniqueOrThrow({
      where: { id: ctx.survey.id },
      select: {
        status: true,
        evidence: { select: { status: true, stage: true, progress: true, manifestSha256: true, destroyAfter: true, legalHold: true, error: true, updatedAt: true } },
      },
    });
    return { surveyStatus: survey.status, package: survey.evidence };
  }),
});
