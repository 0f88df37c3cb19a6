// The one answer to "may this identity do this to this survey, and must it be
// audited". Every entry point asks here: tRPC procedures (server/api/trpc.ts),
// HTTP routes (server/http/routes.ts), the signalling upgrade and every
// signalling method (server/signalling/*). The rules are one table below; a
// claims insurer reads it as: the agent who runs a survey (or any agent, while
// it is unassigned in the queue) and admins work on it; invitees reach their
// own survey's call and photos; auditors reach recordings, photos and the
// archive, every look written to the AuditLog; nobody else reaches anything.
import type { Db } from "../db/client";
import { DomainError } from "./errors";
import { resolveInvite } from "./invites";

/** Who is asking, before looking at any survey. */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "staff"; user: { id: string; role: string; name: string } }
  | { kind: "invitee"; invite: { id: string; surveyId: string; role: string } };

/** Who the principal is to one survey: the columns of the table. */
export const audiences = [
  "agentOwner",
  "agentUnassigned",
  "agentOther",
  "adjusterStaff",
  "auditor",
  "admin",
  "policyholderLink",
  "adjusterLink",
  "otherSurveyLink",
  "anonymous",
] as const;
export type Audience = (typeof audiences)[number];

/** allow: go ahead; audit: go ahead and write an AuditLog row; deny: refuse. */
export type Decision = "allow" | "audit" | "deny";
const A = "allow" as const;
const L = "audit" as const;
const _ = "deny" as const;
type Row = readonly [Decision, Decision, Decision, Decision, Decision, Decision, Decision, Decision, Decision, Decision];

// prettier-ignore
const surveyRules = {
  //                      owner unass other adjSt audit admin  phLnk adjLn othLk anon
  "survey.read":          [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  "survey.invites":       [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  "survey.end":           [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  /** Passing a survey on to another agent or group: its agent (or an admin); an unassigned survey has nobody to pass it. */
  "survey.transfer":      [A,   _,    _,    _,    _,    A,     _,    _,    _,    _],
  "evidence.status":      [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  /** A failed package build or owed upload, retried now rather than at the next automatic retry. */
  "evidence.retry":       [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  "chat.read":            [A,   A,    _,    _,    _,    A,     A,    A,    _,    _],
  "captures.read":        [A,   A,    _,    _,    _,    A,     A,    A,    _,    _],
  /** A photo's thumbnail: also on the auditor's playback page, where it is personal data seen. */
  "capture.view":         [A,   A,    _,    _,    L,    A,     A,    A,    _,    _],
  /** Photos come from the scene: the policyholder's phone or the field adjuster's. */
  "capture.upload":       [_,   _,    _,    _,    _,    _,     A,    A,    _,    _],
  "capture.override":     [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  // Whoever may list the recordings may also play them (an unassigned survey included).
  "recordings.list":      [A,   A,    _,    _,    L,    A,     _,    _,    _,    _],
  "recording.play":       [A,   A,    _,    _,    L,    A,     _,    _,    _,    _],
  "playback.open":        [A,   A,    _,    _,    L,    A,     _,    _,    _,    _],
  /** Render progress shows nothing of the survey; polled every second, so not logged. */
  "composite.status":     [A,   A,    _,    _,    A,    A,     _,    _,    _,    _],
  "composite.start":      [A,   A,    _,    _,    L,    A,     _,    _,    _,    _],
  // The archive: auditors and admins, every action logged for both.
  "archive.open":         [_,   _,    _,    _,    L,    L,     _,    _,    _,    _],
  "archive.verify":       [_,   _,    _,    _,    L,    L,     _,    _,    _,    _],
  "archive.download":     [_,   _,    _,    _,    L,    L,     _,    _,    _,    _],
  "archive.retention":    [_,   _,    _,    _,    L,    L,     _,    _,    _,    _],
  /** Where a rebuild stands (building/failed/ready): shows no evidence and is polled, so not logged. */
  "archive.status":       [_,   _,    _,    _,    A,    A,     _,    _,    _,    _],
  "archive.retry":        [_,   _,    _,    _,    L,    L,     _,    _,    _,    _],
  /** The signing certificate (PEM) and its fingerprint, to pin with `verify --trust`. */
  "archive.certificate":  [_,   _,    _,    _,    L,    L,     _,    _,    _,    _],
  // The live call. Joining an unassigned survey makes it the agent's.
  "call.join":            [A,   A,    _,    _,    _,    A,     A,    A,    _,    _],
  "call.media":           [A,   A,    _,    _,    _,    A,     A,    A,    _,    _],
  "call.chat":            [A,   A,    _,    _,    _,    A,     A,    A,    _,    _],
  /** The recording notice is answered by the person recorded, no one else. */
  "call.consent":         [_,   _,    _,    _,    _,    _,     A,    _,    _,    _],
  /** Guides and remote shutter: staff and the field adjuster direct the policyholder's phone. */
  "call.guide":           [A,   A,    _,    _,    _,    A,     _,    A,    _,    _],
  "call.end":             [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  // The driver's statement: the agent asks for it, the driver signs, the agent and the field adjuster confirm.
  "statement.request":    [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  "statement.read":       [A,   A,    _,    _,    _,    A,     A,    A,    _,    _],
  "statement.sign":       [_,   _,    _,    _,    _,    _,     A,    _,    _,    _],
  "statement.confirm":    [A,   A,    _,    _,    _,    A,     _,    A,    _,    _],
  // The identity step (server/identity/identity-step.ts): the agent starts it, sees the card read and attests.
  "identity.start":       [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  "identity.read":        [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
  "identity.attest":      [A,   A,    _,    _,    _,    A,     _,    _,    _,    _],
} as const satisfies Record<string, Row>;

export type SurveyAction = keyof typeof surveyRules;
export const surveyActions = Object.keys(surveyRules) as SurveyAction[];

/** Who a principal is before any survey is named (for actions on no single survey). */
export const principalClasses = ["agent", "adjusterStaff", "auditor", "admin", "invitee", "anonymous"] as const;
export type PrincipalClass = (typeof principalClasses)[number];
type ClassRow = readonly [Decision, Decision, Decision, Decision, Decision, Decision];

// prettier-ignore
const globalRules = {
  //                      agent adjSt audit admin invitee anon
  "account.me":           [A,   A,    A,    A,    _,      _],
  "surveys.create":       [A,   _,    _,    A,    _,      _],
  /** Agents see their own surveys and the unassigned queue (filtered in the query). */
  "surveys.list":         [A,   _,    _,    A,    _,      _],
  /** Agents see their own surveys' messages (filtered in the query); admins all. */
  "outbox.list":          [A,   _,    _,    A,    _,      _],
  "checklists.read":      [A,   _,    _,    A,    _,      _],
  "checklists.edit":      [_,   _,    _,    A,    _,      _],
  "archive.search":       [_,   _,    L,    L,    _,      _],
  /** The video-report queue's agent side: ready/away, the offer ringing, accept or decline. */
  "queue.agent":          [A,   _,    _,    A,    _,      _],
  /** The supervisor wallboard and the export of the queue events it counts (no personal data in them). */
  "queue.wallboard":      [_,   _,    _,    A,    _,      _],
  /** Each queue's routing rules: read and changed by admins. */
  "queue.rules":          [_,   _,    _,    A,    _,      _],
} as const satisfies Record<string, ClassRow>;

export type GlobalAction = keyof typeof globalRules;
export const globalActions = Object.keys(globalRules) as GlobalAction[];

/** The survey facts the rules look at. */
export interface SurveyRef {
  id: string;
  agentId: string | null;
}

export function principalClass(p: Principal): PrincipalClass {
  if (p.kind === "anonymous") return "anonymous";
  if (p.kind === "invitee") return "invitee";
  switch (p.user.role) {
    case "agent":
      return "agent";
    case "admin":
      return "admin";
    case "auditor":
      return "auditor";
    default:
      return "adjusterStaff";
  }
}

export function audienceOf(p: Principal, survey: SurveyRef): Audience {
  if (p.kind === "anonymous") return "anonymous";
  if (p.kind === "invitee") {
    if (p.invite.surveyId !== survey.id) return "otherSurveyLink";
    return p.invite.role === "policyholder" ? "policyholderLink" : "adjusterLink";
  }
  switch (principalClass(p)) {
    case "admin":
      return "admin";
    case "auditor":
      return "auditor";
    case "agent":
      return survey.agentId === null ? "agentUnassigned" : survey.agentId === p.user.id ? "agentOwner" : "agentOther";
    default:
      return "adjusterStaff";
  }
}

/** The table's cell. */
export function decide(action: SurveyAction, audience: Audience): Decision {
  return surveyRules[action][audiences.indexOf(audience)]!;
}

export function decideGlobal(action: GlobalAction, cls: PrincipalClass): Decision {
  return globalRules[action][principalClasses.indexOf(cls)]!;
}

/** Audiences a principal of this class can be to some survey. */
const possibleAudiences: Record<PrincipalClass, Audience[]> = {
  agent: ["agentOwner", "agentUnassigned", "agentOther"],
  adjusterStaff: ["adjusterStaff"],
  auditor: ["auditor"],
  admin: ["admin"],
  invitee: ["policyholderLink", "adjusterLink", "otherSurveyLink"],
  anonymous: ["anonymous"],
};

function refusal(p: Principal, action: string): DomainError {
  if (p.kind === "anonymous") return new DomainError("UNAUTHORIZED", "Log in or open your survey link first.");
  return new DomainError("FORBIDDEN", `Not allowed: ${action}.`);
}

/**
 * Refuses at once when no survey could allow this principal the action, so a
 * caller without any right learns nothing about which surveys exist.
 */
export function assertMayEverDo(p: Principal, action: SurveyAction) {
  if (!possibleAudiences[principalClass(p)].some((a) => decide(action, a) !== "deny")) throw refusal(p, action);
}

export interface SurveyAccess {
  audience: Audience;
  /** The caller must write an AuditLog row for this action (through server/archive/evidence-audit-log.ts). */
  audited: boolean;
}

/** May `p` do `action` to `survey`? Throws UNAUTHORIZED/FORBIDDEN if not. */
export function authorize(p: Principal, action: SurveyAction, survey: SurveyRef): SurveyAccess {
  const audience = audienceOf(p, survey);
  const decision = decide(action, audience);
  if (decision === "deny") throw refusal(p, action);
  return { audience, audited: decision === "audit" };
}

export function authorizeGlobal(p: Principal, action: GlobalAction): { audited: boolean } {
  const decision = decideGlobal(action, principalClass(p));
  if (decision === "deny") throw refusal(p, action);
  return { audited: decision === "audit" };
}

/** Loads what the rules need, or NOT_FOUND. */
export async function loadSurveyRef(db: Db, surveyId: string): Promise<SurveyRef & { status: string }> {
  const s = await db.survey.findUnique({ where: { id: surveyId }, select: { id: true, agentId: true, status: true } });
  if (!s) throw new DomainError("NOT_FOUND", "No such survey.");
  return s;
}

/** Checks in the order that leaks least: who you are, whether you could ever, whether it exists, whether you may. */
export async function authorizeOnSurvey(db: Db, p: Principal, action: SurveyAction, surveyId: string) {
  assertMayEverDo(p, action);
  const survey = await loadSurveyRef(db, surveyId);
  return { survey, ...authorize(p, action, survey) };
}

/**
 * The principal of a request from its credentials. An invite token, when one is
 * presented, names the caller (the join page sends it; a staff cookie in the
 * same browser does not turn the policyholder's page into the agent's).
 */
export async function principalFrom(
  db: Db,
  credentials: { user: { id: string; role: string; name: string } | null; inviteToken?: string | null },
): Promise<Principal> {
  // An empty token is a presented (and invalid) link, not "no link".
  if (credentials.inviteToken !== null && credentials.inviteToken !== undefined) {
    const invite = await resolveInvite(db, credentials.inviteToken);
    return { kind: "invitee", invite: { id: invite.id, surveyId: invite.surveyId, role: invite.role } };
  }
  if (credentials.user) return { kind: "staff", user: credentials.user };
  return { kind: "anonymous" };
}

/** The user id an audit row is written for (auditors and admins are staff). */
export function auditUserId(p: Principal): string {
  if (p.kind !== "staff") throw new Error("only staff actions are audited");
  return p.user.id;
}

/**
 * The surveys a principal sees in a list (the console's list, the outbox), as a
 * database filter: the same reach as "survey.read" — admins all, agents their
 * own and the unassigned queue, nobody else any.
 */
export function visibleSurveysWhere(p: Principal): { id?: { in: string[] }; OR?: ({ agentId: string } | { agentId: null })[] } {
  const cls = principalClass(p);
  if (cls === "admin") return {};
  if (cls === "agent" && p.kind === "staff") return { OR: [{ agentId: p.user.id }, { agentId: null }] };
  return { id: { in: [] } };
}

/** For a live connection whose audience was settled when it was admitted (the signalling session). */
export function authorizeAudience(audience: Audience, action: SurveyAction): SurveyAccess {
  const decision = decide(action, audience);
  if (decision === "deny") throw new DomainError(audience === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN", `Not allowed: ${action}.`);
  return { audience, audited: decision === "audit" };
}
