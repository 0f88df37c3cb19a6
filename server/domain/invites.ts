// Invite links: a random token bound to one survey and one role, stored only as
// a hash, expiring and revocable. The link is the whole credential for a
// policyholder or a field adjuster, so every check happens here.
import type { Db } from "../db/client";
import { hashToken, newSecretToken } from "../auth/secret-token";
import { DomainError } from "./errors";
import type { InviteRole } from "./roles";
import { appendSurveyEvent } from "./survey-events";

export interface IssuedInvite {
  inviteId: string;
  role: InviteRole;
  token: string;
  url: string;
  expiresAt: Date;
}

export interface InviteConfig {
  publicUrl: string;
  ttlHours: number;
}

export function inviteUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/join/${token}`;
}

/** Issues a new link for a role; earlier live links for that role stop working. */
export async function issueInvite(
  db: Db,
  config: InviteConfig,
  args: {
    surveyId: string;
    role: InviteRole;
    sentTo?: string | null;
    displayName?: string | null;
    actorId?: string | null;
    actorRole?: string | null;
    now?: Date;
    /** Live links of the role that stay valid beside the new one (a queue callback's waiting page). */
    keepInviteIds?: string[];
  },
): Promise<IssuedInvite> {
  const now = args.now ?? new Date();
  const token = newSecretToken();
  const expiresAt = new Date(now.getTime() + config.ttlHours * 3600_000);
  const invite = await db.$transaction(async (tx) => {
    await tx.invite.updateMany({
      where: { surveyId: args.surveyId, role: args.role, revokedAt: null, ...(args.keepInviteIds?.length ? { id: { notIn: args.keepInviteIds } } : {}) },
      data: { revokedAt: now },
    });
    return tx.invite.create({
      data: { surveyId: args.surveyId, role: args.role, tokenHash: hashToken(token), sentTo: args.sentTo ?? null, displayName: args.displayName ?? null, expiresAt },
    });
  });
  await appendSurveyEvent(db, args.surveyId, {
    type: "invite.created",
    actorId: args.actorId,
    actorRole: args.actorRole,
    payload: { inviteId: invite.id, role: args.role, expiresAt: expiresAt.toISOString(), sentTo: maskMobile(args.sentTo) },
  });
  return { inviteId: invite.id, role: args.role, token, url: inviteUrl(config.publicUrl, token), expiresAt };
}

/** Why a link that exists cannot be used now, or null: the one rule for the upgrade and for the call (inviteRefusal). */
function refusalOf(invite: { revokedAt: Date | null; expiresAt: Date; survey: { status: string } }, now: Date): DomainError | null {
  if (invite.survey.status === "closed") return new DomainError("SURVEY_CLOSED", "This survey has ended.");
  if (invite.revokedAt) return new DomainError("INVITE_REVOKED", "This link was withdrawn.");
  if (invite.expiresAt.getTime() <= now.getTime()) return new DomainError("INVITE_EXPIRED", "This link has expired.");
  return null;
}

/**
 * Why the link a connection was let in with can no longer be used (withdrawn,
 * expired, survey ended since), or null while it holds. Asked again when the
 * connection enters the call: the link may have been withdrawn after the upgrade.
 */
export async function inviteRefusal(db: Db, inviteId: string, now = new Date()): Promise<DomainError | null> {
  const invite = await db.invite.findUnique({ where: { id: inviteId }, select: { revokedAt: true, expiresAt: true, survey: { select: { status: true } } } });
  if (!invite) return new DomainError("INVITE_INVALID", "This link is not valid.");
  return refusalOf(invite, now);
}

/** Resolves a link's token, or says exactly why it cannot be used. */
export async function resolveInvite(db: Db, token: string, now = new Date()) {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token)) throw new DomainError("INVITE_INVALID", "This link is not valid.");
  const invite = await db.invite.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { survey: { include: { claim: true } } },
  });
  if (!invite) throw new DomainError("INVITE_INVALID", "This link is not valid.");
  const refusal = refusalOf(invite, now);
  if (refusal) throw refusal;
  return invite;
}

export async function revokeInvite(db: Db, args: { inviteId: string; surveyId: string; actorId: string; actorRole: string }) {
  const res = await db.invite.updateMany({
    where: { id: args.inviteId, surveyId: args.surveyId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (res.count === 0) throw new DomainError("NOT_FOUND", "No live invite with that id in this survey.");
  await appendSurveyEvent(db, args.surveyId, {
    type: "invite.revoked",
    actorId: args.actorId,
    actorRole: args.actorRole,
    payload: { inviteId: args.inviteId },
  });
}

/** Keeps the number recognisable in logs and reports without exposing it whole. */
export function maskMobile(mobile: string | null | undefined): string | null {
  if (!mobile) return null;
  return mobile.length <= 7 ? "****" : `${mobile.slice(0, mobile.length - 8)}****${mobile.slice(-4)}`;
}
