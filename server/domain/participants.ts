// Who is in a survey. Invitees (policyholder, field adjuster) are bound to
// their invite; staff to their account. A participant row outlives
// disconnections, so a rejoin with the same link is the same participant.
import type { Db } from "../db/client";
import { DomainError } from "./errors";
import type { ParticipantRole } from "./roles";
import { appendSurveyEvent } from "./survey-events";

export interface ParticipantIdentity {
  participantId: string;
  surveyId: string;
  role: ParticipantRole;
  displayName: string;
}

export async function participantForInvite(
  db: Db,
  invite: { id: string; surveyId: string; role: string; displayName: string | null; survey: { claim: { policyholderName: string } } },
): Promise<ParticipantIdentity> {
  const role = invite.role === "policyholder" ? "policyholder" : "adjuster";
  const displayName = role === "policyholder" ? invite.survey.claim.policyholderName : (invite.displayName ?? "查勘员 / Field adjuster");
  const p = await db.participant.upsert({
    where: { inviteId: invite.id },
    create: { surveyId: invite.surveyId, role, displayName, inviteId: invite.id },
    update: {},
  });
  return { participantId: p.id, surveyId: p.surveyId, role, displayName: p.displayName };
}

/**
 * A claims agent (or admin) in the call; an unassigned survey becomes the
 * agent's. Who may join was decided before (server/domain/survey-access.ts, "call.join").
 */
export async function participantForStaff(
  db: Db,
  surveyId: string,
  user: { id: string; role: string; name: string },
): Promise<ParticipantIdentity> {
  const survey = await db.survey.findUnique({ where: { id: surveyId } });
  if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
  if (survey.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has ended.");
  if (!survey.agentId) {
    await db.survey.updateMany({ where: { id: surveyId, agentId: null }, data: { agentId: user.id } });
  }
  const p = await db.participant.upsert({
    where: { surveyId_userId: { surveyId, userId: user.id } },
    create: { surveyId, role: "agent", displayName: user.name, userId: user.id },
    update: {},
  });
  return { participantId: p.id, surveyId, role: "agent", displayName: p.displayName };
}

export async function recordJoin(db: Db, who: ParticipantIdentity, device: Record<string, unknown>) {
  const now = new Date();
  const before = await db.participant.findUnique({ where: { id: who.participantId }, select: { firstJoinAt: true } });
  await db.participant.update({
    where: { id: who.participantId },
    data: { firstJoinAt: before?.firstJoinAt ?? now, lastJoinAt: now, leftAt: null },
  });
  await appendSurveyEvent(db, who.surveyId, {
    type: "participant.joined",
    actorId: who.participantId,
    actorRole: who.role,
    payload: { displayName: who.displayName, rejoin: Boolean(before?.firstJoinAt), device },
  });
}

export async function recordLeave(db: Db, who: ParticipantIdentity, reason: string) {
  await db.participant.update({ where: { id: who.participantId }, data: { leftAt: new Date() } });
  await appendSurveyEvent(db, who.surveyId, {
    type: "participant.left",
    actorId: who.participantId,
    actorRole: who.role,
    payload: { reason },
  });
}
