// A callback entry's driver gets the survey's link by SMS when an agent answers
// the callback: their phone may no longer show the waiting page, and the entry's
// own token (which the waiting page holds, and which becomes one policyholder
// link as for a live entry) is only stored as a hash. So a second policyholder
// link is issued beside the waiting page's, and sent, in the driver's language,
// through the configured SMS sender the way the console sends links.
import type { Db } from "../db/client";
import { issueInvite, type InviteConfig } from "../domain/invites";
import { sendInviteSms } from "../domain/send-invite-sms";
import { parseEventPayload } from "../domain/survey-events";
import type { SmsSender } from "../sms/sms-sender";

type EntryRow = NonNullable<Awaited<ReturnType<Db["queueEntry"]["findUnique"]>>>;

/** Whether the survey's timeline already holds the policyholder's SMS (a repeat after a crash sends none). */
export async function linkAlreadySent(db: Db, surveyId: string): Promise<boolean> {
  const sent = await db.surveyEvent.findMany({ where: { surveyId, type: "sms.queued" }, select: { payload: true } });
  return sent.some((e) => parseEventPayload(e.payload).role === "policyholder");
}

/** Sends the answered callback's link; false when there is nothing to send (a live entry, or already sent). */
export async function smsCallbackLink(deps: { db: Db; sms: SmsSender; invites: InviteConfig }, entry: EntryRow, surveyId: string): Promise<boolean> {
  if (entry.mode !== "callback" || !entry.assignedAgentId) return false;
  const { db } = deps;
  if (await linkAlreadySent(db, surveyId)) return false;
  const survey = await db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: true, invites: { select: { id: true, tokenHash: true } } } });
  const pageLink = survey.invites.find((i) => i.tokenHash === entry.tokenHash);
  const actor = { actorId: entry.assignedAgentId, actorRole: "agent" };
  const invite = await issueInvite(db, deps.invites, { surveyId, role: "policyholder", sentTo: entry.mobile, keepInviteIds: pageLink ? [pageLink.id] : [], ...actor });
  await sendInviteSms(deps, {
    surveyId,
    to: entry.mobile,
    invite,
    locale: entry.language === "en" ? "en" : "zh-CN",
    claimNumber: survey.claim.claimNumber,
    via: "queue-callback",
    ...actor,
  });
  return true;
}
