// Domain errors carry a stable code; the tRPC and REST layers map codes to
// their own status (FORBIDDEN/403, NOT_FOUND/404, ...).
export type DomainErrorCode =
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "UNAUTHORIZED"
  | "CONFLICT"
  | "INVITE_INVALID"
  | "INVITE_EXPIRED"
  | "INVITE_REVOKED"
  | "SURVEY_CLOSED"
  | "BAD_REQUEST";

export class DomainError extends Error {
  constructor(public readonly code: DomainErrorCode, message: string) {
    super(message);
    this.name = "DomainError";
  }
}
