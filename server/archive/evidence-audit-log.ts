// Every auditor action leaves an AuditLog row: who, what, which survey (or
// recording, or archive search), and the parameters (a search's filters, a
// verify result, a hold reason, the byte range played). This is the one
// function that writes them; server/domain/survey-access.ts says when.
import type { Db } from "../db/client";

export type AuditAction =
  | "audit.search"
  | "audit.open"
  | "audit.verify"
  | "audit.download"
  | "audit.hold.set"
  | "audit.hold.clear"
  | "audit.dispute.set"
  | "audit.dispute.clear"
  | "recordings.list"
  | "recording.play"
  | "playback.open"
  | "composite.start"
  | "capture.view"
  | "audit.evidence.retry"
  | "audit.certificate";

export type AuditTarget = { type: "survey" | "archive" | "recording" | "capture"; id: string };

export function writeAuditLog(db: Db, userId: string, action: AuditAction, target: AuditTarget, details: Record<string, unknown> = {}) {
  return db.auditLog.create({ data: { userId, action, targetType: target.type, targetId: target.id, details: JSON.stringify(details) } });
}

const auditNames: Partial<Record<string, AuditAction>> = {
  "archive.search": "audit.search",
  "archive.open": "audit.open",
  "archive.verify": "audit.verify",
  "archive.download": "audit.download",
  "recordings.list": "recordings.list",
  "recording.play": "recording.play",
  "playback.open": "playback.open",
  "composite.start": "composite.start",
  "capture.view": "capture.view",
  "archive.retry": "audit.evidence.retry",
  "archive.certificate": "audit.certificate",
};

/** The audit row's name for an access action the rules say is audited. */
export function auditActionOf(accessAction: string): AuditAction {
  const name = auditNames[accessAction];
  // A new audited action without a name is a programming error, found by the access matrix test.
  if (!name) throw new Error(`no audit action name for ${accessAction}: pass one in ctx.audit.action`);
  return name;
}
