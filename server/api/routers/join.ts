// What an invite link shows before joining, and the invitee's own survey data.
// An invitee only ever reaches the survey their link is bound to.
import { z } from "zod";
import { resolveInvite } from "../../domain/invites";
import { chatHistory } from "../../domain/chat";
import { inviteeProcedure, publicProcedure, router } from "../trpc";

export const joinRouter = router({
  resolve: publicProcedure.input(z.object({ token: z.string().min(1).max(200) })).query(async ({ ctx, input }) => {
    const invite = await resolveInvite(ctx.app.db, input.token);
    return {
      role: invite.role as "policyholder" | "adjuster",
      surveyId: invite.surveyId,
      locale: invite.survey.locale,
      claimNumber: invite.survey.claim.claimNumber,
      plate: invite.survey.claim.plate,
      policyholderName: invite.role === "policyholder" ? invite.survey.claim.policyholderName : null,
      expiresAt: invite.expiresAt,
    };
  }),
  chatHistory: inviteeProcedure.query(async ({ ctx }) => chatHistory(ctx.app.db, ctx.participant.surveyId)),
});
