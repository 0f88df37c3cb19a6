// The driver's statement and signature (server/domain/statement.ts): the
// agent asks for it and confirms it from the console; the driver reads and signs
// it on the phone; the field adjuster confirms it from their link.
import { z } from "zod";
import { confirmStatement, requestStatement, signStatement, statementStatus } from "../../domain/statement";
import { signatureSubmissionSchema } from "../../domain/statement-input";
import { inviteeProcedure, router, staffSurveyProcedure } from "../trpc";

const locale = z.enum(["zh-CN", "en"]);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256");

export const statementRouter = router({
  /** Staff: where the statement stands, with its text. */
  status: staffSurveyProcedure("statement.read")
    .input(z.object({ locale }))
    .query(({ ctx, input }) => statementStatus(ctx.app.db, ctx.survey.id, input.locale)),
  request: staffSurveyProcedure("statement.request").mutation(async ({ ctx }) => {
    await requestStatement(ctx.app.db, ctx.survey.id, { userId: ctx.user.id, role: ctx.user.role });
    return { ok: true as const };
  }),
  confirm: staffSurveyProcedure("statement.confirm")
    .input(z.object({ statementSha256: sha256 }))
    .mutation(async ({ ctx, input }) => {
      await confirmStatement(ctx.app.db, ctx.survey.id, "agent", { id: ctx.user.id, role: ctx.user.role }, input.statementSha256);
      return { ok: true as const };
    }),
  /** The phone (driver or field adjuster): the same status, for their own survey. */
  mine: inviteeProcedure("statement.read")
    .input(z.object({ locale }))
    .query(({ ctx, input }) => statementStatus(ctx.app.db, ctx.participant.surveyId, input.locale)),
  sign: inviteeProcedure("statement.sign")
    .input(signatureSubmissionSchema)
    .mutation(({ ctx, input }) => signStatement(ctx.app.db, ctx.participant, input)),
  confirmAsAdjuster: inviteeProcedure("statement.confirm")
    .input(z.object({ statementSha256: sha256 }))
    .mutation(async ({ ctx, input }) => {
      await confirmStatement(ctx.app.db, ctx.participant.surveyId, "adjuster", { id: ctx.participant.participantId, role: ctx.participant.role }, input.statementSha256);
      return { ok: true as const };
    }),
});
