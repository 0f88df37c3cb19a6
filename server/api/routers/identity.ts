// The identity step (server/identity/identity-step.ts): the agent starts it,
// watches the card being read and attests what they saw.
import { z } from "zod";
import { safeText } from "../../domain/safe-input";
import { attestIdentity, identityStatus, startIdentityStep } from "../../identity/identity-step";
import { router, staffSurveyProcedure } from "../trpc";

export const attestationInput = z.object({
  decision: z.enum(["confirmed", "not_confirmed"], { error: "error.field.choice" }),
  reason: safeText({ min: 2, max: 500 }),
});

export const identityRouter = router({
  status: staffSurveyProcedure("identity.read").query(({ ctx }) => identityStatus(ctx.app, ctx.survey.id)),
  start: staffSurveyProcedure("identity.start").mutation(async ({ ctx }) => {
    await startIdentityStep(ctx.app.db, ctx.survey.id, { userId: ctx.user.id, role: ctx.user.role });
    return { ok: true as const };
  }),
  attest: staffSurveyProcedure("identity.attest")
    .input(attestationInput)
    .mutation(async ({ ctx, input }) => {
      await attestIdentity(ctx.app, ctx.survey.id, { userId: ctx.user.id, role: ctx.user.role }, input);
      return { ok: true as const };
    }),
});
