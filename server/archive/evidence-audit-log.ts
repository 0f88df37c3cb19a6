// Every auditor action on the archive leaves an AuditLog row: who, what, which
// survey, and the parameters (a search's filters, a verify result, a hold reason).
import type { Db } from "../db/client";

export type AuditAction = "audit.search" | "audit.open" | "audit.verify" | "audit.download" | "audit.hold.set" | "audit.hold.clear" | "audit.dispute.set" | "audit.dispute.clear" | "audit.evidence.retry" | "audit.certificate";

export function writeAuditLog(db: Db, userId: string, action: AuditAction, target: { type: "survey" | "archive"; id: string }, details: Record<string, unknown> = {}) {
  return db.auditLog.create({ data: { userId, action, targetType: target.type, targetId: target.id, details: JSON.stringify(details) } });
}
