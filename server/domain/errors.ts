// Domain errors carry a stable code; the tRPC and REST layers map codes to
// their own status (FORBIDDEN/403, NOT_FOUND/404, ...).
import { randomBytes } from "node:crypto";

export type DomainErrorCode =
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "UNAUTHORIZED"
  | "CONFLICT"
  | "INVITE_INVALID"
  | "INVITE_EXPIRED"
  | "INVITE_REVOKED"
  | "SURVEY_CLOSED"
  | "BAD_REQUEST"
  // The driver's one-time mobile code (server/queue/mobile-codes.ts).
  | "MOBILE_CODE_WRONG"
  | "MOBILE_CODE_EXPIRED"
  | "MOBILE_CODE_TRIES"
  | "MOBILE_CODE_RATE"
  // The driver's statement and signature (server/domain/statement.ts).
  | "STATEMENT_NOT_REQUESTED"
  | "STATEMENT_CHANGED"
  | "STATEMENT_NOT_SIGNED"
  | "SIGNATURE_INVALID"
  // Passing a survey to another agent or group (server/queue/survey-transfer.ts).
  | "TRANSFER_TARGET"
  | "TRANSFER_NOT_READY"
  | "TRANSFER_PENDING"
  // Ending a survey without the driver's signed statement and without a reason (server/domain/statement-end-rule.ts).
  | "STATEMENT_REQUIRED"
  // The identity step (server/identity/identity-step.ts).
  | "IDENTITY_NOT_STARTED"
  | "IDENTITY_INCOMPLETE";

export class DomainError extends Error {
  constructor(public readonly code: DomainErrorCode, message: string) {
    super(message);
    this.name = "DomainError";
  }
}

/**
 * A short id for one failure of a background job (evidence build, composite,
 * upload): written to the server log with the full error, shown on the page
 * beside a translated message, so a report by phone finds the log line.
 */
export function newErrorId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString("hex").toUpperCase()}`;
}
