// The survey an accepted queue entry becomes: claim, survey with the agent, and
// the driver's link. The driver's link is the token they already hold from the
// queue (its hash becomes the policyholder invite's hash), so the waiting phone
// goes straight into the call: no second SMS, and no token is ever stored.
// Claim, survey, invite and the entry's surveyId are written in one transaction;
// the invite's unique token hash means a second attempt (two servers repairing
// the same entry) fails whole instead of making a second survey.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { checklistFor } from "../domain/checklists";
import { issueInvite, maskMobile } from "../domain/invites";
import { appendSurveyEvent } from "../domain/survey-events";

type EntryRow = NonNullable<Awaited<ReturnType<Db["queueEntry"]["findUnique"]>>>;

export interface QueueSurveyConfig {
  publicUrl: string;
  ttlHours: number;
}

function newClaimNumber(now: Date): string {
  const ymd = now.toISOString().slice(0, 10).replaceAll("-", "");
  return `CLM-${ymd}-${randomBytes(4).toString("hex").toUpperCase()}`;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}

export async function createSurveyForEntry(db: Db, config: QueueSurveyConfig, entry: EntryRow): Promise<string> {
  if (!entry.assignedAgentId) throw new Error(`queue entry ${entry.id} has no agent`);
  const agentId = entry.assignedAgentId;
  const now = new Date();
  const checklist = JSON.stringify(await checklistFor(db, entry.claimType));
  let created: { surveyId: string; claimId: string; claimNumber: string; inviteId: string; expiresAt: Date } | { existing: string };
  try {
    created = await db.$transaction(async (tx) => {
      // Already made by another attempt: answered without writing, so on SQLite (where only this
      // transaction sets surveyId, one transaction at a time) the path below that throws, and
      // whose rollback would also undo other requests' writes on the shared connection, is
      // never taken. On PostgreSQL two servers can still race past this; there the loser's
      // unique violation rolls back only its own connection's work.
      const current = await tx.queueEntry.findUnique({ where: { id: entry.id }, select: { surveyId: true } });
      if (current?.surveyId) return { existing: current.surveyId };
      const survey = await tx.survey.create({
        data: {
          locale: entry.language === "en" ? "en" : "zh-CN",
          checklist,
          agent: { connect: { id: agentId } },
          claim: {
            create: {
              claimNumber: newClaimNumber(now),
              policyNumber: entry.policyNumber ?? "",
              plate: entry.plate ?? "",
              policyholderName: entry.policyholderName ?? maskMobile(entry.mobile) ?? "",
              policyholderMobile: entry.mobile,
              incidentAt: entry.enteredAt,
              incidentPlace: entry.region ?? "",
              claimType: entry.claimType,
              externalRef: entry.externalRef,
            },
          },
        },
        include: { claim: true },
      });
      const expiresAt = new Date(now.getTime() + config.ttlHours * 3600_000);
      const invite = await tx.invite.create({ data: { surveyId: survey.id, role: "policyholder", tokenHash: entry.tokenHash, sentTo: entry.mobile, expiresAt } });
      const linked = await tx.queueEntry.updateMany({ where: { id: entry.id, surveyId: null }, data: { surveyId: survey.id } });
      if (linked.count !== 1) throw Object.assign(new Error("entry already has a survey"), { code: "P2002" });
      return { surveyId: survey.id, claimId: survey.claimId, claimNumber: survey.claim.claimNumber, inviteId: invite.id, expiresAt };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const again = await db.queueEntry.findUniqueOrThrow({ where: { id: entry.id }, select: { surveyId: true } });
    if (!again.surveyId) throw err;
    return again.surveyId;
  }
  if ("existing" in created) return created.existing;
  await appendSurveyEvent(db, created.surveyId, {
    type: "survey.created",
    actorId: agentId,
    actorRole: "agent",
    payload: { claimId: created.claimId, claimNumber: created.claimNumber, agentId, queueEntryId: entry.id, queueId: entry.queueId },
  });
  await appendSurveyEvent(db, created.surveyId, {
    type: "invite.created",
    actorId: null,
    actorRole: "system",
    payload: { inviteId: created.inviteId, role: "policyholder", expiresAt: created.expiresAt.toISOString(), sentTo: maskMobile(entry.mobile), via: "queue" },
  });
  // The field adjuster's link, as for any survey: the agent sends or shows it from the console.
  await issueInvite(db, config, { surveyId: created.surveyId, role: "adjuster", actorId: agentId, actorRole: "agent" });
  return created.surveyId;
}
