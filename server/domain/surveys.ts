// Survey lifecycle: created (links sent) → open (someone joined) → closed
// (agent ended it; links stop working, the media room is torn down).
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import type { SmsSender } from "../sms/sms-sender";
import type { SurveyRequestInput } from "./claim-input";
import { DomainError } from "./errors";
import { issueInvite, type InviteConfig, type IssuedInvite } from "./invites";
import { appendSurveyEvent } from "./survey-events";
import { checklistFor } from "./checklists";
import { sendInviteSms } from "./send-invite-sms";
import { statementAtEnd, type EndWithoutStatement } from "./statement-end-rule";

export interface SurveyDeps {
  db: Db;
  sms: SmsSender;
  invites: InviteConfig;
}

export interface Actor {
  id: string | null;
  role: string;
}

function newClaimNumber(now: Date): string {
  const ymd = now.toISOString().slice(0, 10).replaceAll("-", "");
  return `CLM-${ymd}-${randomBytes(4).toString("hex").toUpperCase()}`;
}

export async function createClaimAndSurvey(
  deps: SurveyDeps,
  args: { request: SurveyRequestInput; agentId: string | null; actor: Actor },
): Promise<{ surveyId: string; claimId: string; claimNumber: string; invites: { policyholder: IssuedInvite; adjuster: IssuedInvite } }> {
  const { db } = deps;
  const { claim: c, locale } = args.request;
  const now = new Date();
  // A copy, not a reference: admins may edit the template while this survey runs.
  const checklist = JSON.stringify(await checklistFor(db, c.claimType));
  const survey = await db.survey.create({
    data: {
      locale,
      checklist,
      ...(args.agentId ? { agent: { connect: { id: args.agentId } } } : {}),
      claim: {
        create: {
          claimNumber: newClaimNumber(now),
          policyNumber: c.policyNumber,
          plate: c.plate,
          policyholderName: c.policyholderName,
          policyholderMobile: c.policyholderMobile,
          policyholderIdNumber: c.policyholderIdNumber ?? null,
          incidentAt: c.incidentAt,
          incidentPlace: c.incidentPlace,
          claimType: c.claimType,
          externalRef: c.externalRef ?? null,
          policyStart: c.policyStart ?? null,
          policyEnd: c.policyEnd ?? null,
          ...(args.actor.role !== "api" && args.actor.id ? { createdBy: { connect: { id: args.actor.id } } } : {}),
        },
      },
    },
    include: { claim: true },
  });
  await appendSurveyEvent(db, survey.id, {
    type: "survey.created",
    actorId: args.actor.id,
    actorRole: args.actor.role,
    payload: { claimId: survey.claimId, claimNumber: survey.claim.claimNumber, agentId: args.agentId },
  });
  const actor = { actorId: args.actor.id, actorRole: args.actor.role };
  const policyholder = await issueInvite(db, deps.invites, { surveyId: survey.id, role: "policyholder", sentTo: c.policyholderMobile, ...actor });
  const adjuster = await issueInvite(db, deps.invites, {
    surveyId: survey.id,
    role: "adjuster",
    sentTo: args.request.adjuster?.mobile ?? null,
    displayName: args.request.adjuster?.name ?? null,
    ...actor,
  });

  if (args.request.sendSms) {
    const texts: { to: string | undefined; invite: IssuedInvite }[] = [
      { to: c.policyholderMobile, invite: policyholder },
      { to: args.request.adjuster?.mobile, invite: adjuster },
    ];
    for (const { to, invite } of texts) {
      if (!to) continue;
      await sendInviteSms(deps, { surveyId: survey.id, to, invite, locale, claimNumber: survey.claim.claimNumber, ...actor });
    }
  }
  return { surveyId: survey.id, claimId: survey.claimId, claimNumber: survey.claim.claimNumber, invites: { policyholder, adjuster } };
}

/** What callers (console and claims systems) get back: the links and when they expire. */
export function surveyLinks(invites: { policyholder: IssuedInvite; adjuster: IssuedInvite }) {
  return {
    policyholder: { url: invites.policyholder.url, expiresAt: invites.policyholder.expiresAt },
    adjuster: { url: invites.adjuster.url, expiresAt: invites.adjuster.expiresAt },
  };
}

/** First join opens the survey; later joins leave it as it is. */
export async function markSurveyOpen(db: Db, surveyId: string) {
  const res = await db.survey.updateMany({ where: { id: surveyId, status: "created" }, data: { status: "open", openedAt: new Date() } });
  if (res.count > 0) await appendSurveyEvent(db, surveyId, { type: "survey.opened" });
}

/**
 * Ends the survey. Only with the driver's signed statement, or with the
 * agent's reason to end without it (statement-end-rule.ts): this is the one
 * path every way of ending takes.
 */
export async function closeSurvey(db: Db, args: { surveyId: string; actor: Actor; reason?: string; withoutStatement?: EndWithoutStatement }) {
  const current = await db.survey.findUnique({ where: { id: args.surveyId }, select: { status: true } });
  if (!current) throw new DomainError("NOT_FOUND", "No such survey.");
  if (current.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has already ended.");
  const statement = await statementAtEnd(db, args.surveyId, args.withoutStatement);
  const now = new Date();
  const res = await db.survey.updateMany({
    where: { id: args.surveyId, status: { not: "closed" } },
    data: { status: "closed", closedAt: now },
  });
  if (res.count === 0) throw new DomainError("SURVEY_CLOSED", "This survey has already ended.");
  await db.invite.updateMany({ where: { surveyId: args.surveyId, revokedAt: null }, data: { revokedAt: now } });
  if (!statement.signed) {
    await appendSurveyEvent(db, args.surveyId, {
      type: "statement.waived",
      actorId: args.actor.id,
      actorRole: args.actor.role,
      payload: { reason: statement.without.reason, ...(statement.without.note ? { note: statement.without.note } : {}) },
    });
  }
  await appendSurveyEvent(db, args.surveyId, {
    type: "survey.closed",
    actorId: args.actor.id,
    actorRole: args.actor.role,
    payload: { reason: args.reason ?? "ended_by_agent", ...(statement.signed ? {} : { withoutStatement: statement.without.reason }) },
  });
}
