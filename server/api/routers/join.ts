// What an invite link shows before joining, and the invitee's own survey data.
// An invitee only ever reaches the survey their link is bound to.
import { z } from "zod";
import { resolveInvite } from "../../domain/invites";
import { chatHistory } from "../../domain/chat";
import { itemStates, surveyChecklist } from "../../domain/checklists";
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
  chatHistory: inviteeProcedure("chat.read").query(async ({ ctx }) => chatHistory(ctx.app.db, ctx.participant.surveyId)),
  /** The photos of the invitee's own survey, for the gallery beside the call. */
  captures: inviteeProcedure("captures.read").query(async ({ ctx }) => ctx.app.captures.list(ctx.participant.surveyId)),
  /** The field adjuster follows the checklist too. */
  checklist: inviteeProcedure("captures.read").query(async ({ ctx }) => {
    const items = await surveyChecklist(ctx.app.db, ctx.invite.survey);
    const rows = await ctx.app.db.capture.findMany({ where: { surveyId: ctx.participant.surveyId }, select: { itemKey: true, verdict: true, overrideAt: true } });
    const states = itemStates(items, rows);
    return items.map((i) => ({ key: i.key, label: i.label, state: states[i.key]! }));
  }),
});
