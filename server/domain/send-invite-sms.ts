// Sends one invite's link by SMS through the configured sender and records it in
// the survey's timeline: the one way a link leaves by SMS, whether an agent asks
// for it when creating a survey or a queue callback is answered.
import type { Db } from "../db/client";
import type { SmsSender } from "../sms/sms-sender";
import { maskMobile, type IssuedInvite } from "./invites";
import { inviteSmsText } from "./invite-sms-text";
import { appendSurveyEvent } from "./survey-events";

export async function sendInviteSms(
  deps: { db: Db; sms: SmsSender },
  args: { surveyId: string; to: string; invite: IssuedInvite; locale: "zh-CN" | "en"; claimNumber: string; actorId?: string | null; actorRole?: string | null; via?: string },
): Promise<{ messageId: string }> {
  const sent = await deps.sms.send({ to: args.to, surveyId: args.surveyId, body: inviteSmsText(args.locale, args.invite, args.claimNumber) });
  await appendSurveyEvent(deps.db, args.surveyId, {
    type: "sms.queued",
    actorId: args.actorId ?? null,
    actorRole: args.actorRole ?? null,
    payload: { to: maskMobile(args.to), role: args.invite.role, sender: deps.sms.name, messageId: sent.id, ...(args.via ? { via: args.via } : {}) },
  });
  return { messageId: sent.id };
}
