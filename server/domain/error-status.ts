// The one table from a DomainError's code to what each transport says: the
// HTTP status (REST, uploads, thumbnails, media, evidence, the refused
// WebSocket upgrade), the tRPC code, the WebSocket close code (a live
// connection dropped for this reason) and the signalling error code (a reply
// to one signalling request).
import type { DomainErrorCode } from "./errors";
import { closeCodes } from "../signalling/close-codes";

type TrpcCode = "NOT_FOUND" | "FORBIDDEN" | "UNAUTHORIZED" | "CONFLICT" | "PRECONDITION_FAILED" | "BAD_REQUEST" | "TOO_MANY_REQUESTS";
type SignalCode = "BAD_REQUEST" | "FORBIDDEN" | "NOT_READY" | "FAILED";

export interface ErrorStatus {
  http: number;
  trpc: TrpcCode;
  close: number;
  signal: SignalCode;
}

export const domainErrorStatus: Record<DomainErrorCode, ErrorStatus> = {
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND", close: closeCodes.gone, signal: "FAILED" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN", close: closeCodes.forbidden, signal: "FORBIDDEN" },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED", close: closeCodes.unauthorized, signal: "FORBIDDEN" },
  CONFLICT: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  // An unknown link is "not found" (404), not "gone": nothing says it ever existed.
  INVITE_INVALID: { http: 404, trpc: "NOT_FOUND", close: closeCodes.gone, signal: "FORBIDDEN" },
  INVITE_EXPIRED: { http: 410, trpc: "PRECONDITION_FAILED", close: closeCodes.gone, signal: "FORBIDDEN" },
  INVITE_REVOKED: { http: 410, trpc: "PRECONDITION_FAILED", close: closeCodes.gone, signal: "FORBIDDEN" },
  SURVEY_CLOSED: { http: 410, trpc: "PRECONDITION_FAILED", close: closeCodes.surveyEnded, signal: "FAILED" },
  BAD_REQUEST: { http: 400, trpc: "BAD_REQUEST", close: closeCodes.gone, signal: "BAD_REQUEST" },
  // A wrong code may be typed again; none live (never sent, expired, used) needs a new one;
  // too many tries on one code, or too many codes for one number, must wait.
  MOBILE_CODE_WRONG: { http: 400, trpc: "BAD_REQUEST", close: closeCodes.gone, signal: "BAD_REQUEST" },
  MOBILE_CODE_EXPIRED: { http: 410, trpc: "PRECONDITION_FAILED", close: closeCodes.gone, signal: "FAILED" },
  MOBILE_CODE_TRIES: { http: 429, trpc: "TOO_MANY_REQUESTS", close: closeCodes.gone, signal: "FAILED" },
  MOBILE_CODE_RATE: { http: 429, trpc: "TOO_MANY_REQUESTS", close: closeCodes.gone, signal: "FAILED" },
  // The driver's statement (server/domain/statement.ts): out of turn, or read before the facts changed.
  STATEMENT_NOT_REQUESTED: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  STATEMENT_CHANGED: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  STATEMENT_NOT_SIGNED: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  SIGNATURE_INVALID: { http: 400, trpc: "BAD_REQUEST", close: closeCodes.gone, signal: "BAD_REQUEST" },
  // A transfer to nobody valid (no such agent or queue, oneself), to an agent not ready, or while one is under way.
  TRANSFER_TARGET: { http: 400, trpc: "BAD_REQUEST", close: closeCodes.gone, signal: "BAD_REQUEST" },
  TRANSFER_NOT_READY: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  TRANSFER_PENDING: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  STATEMENT_REQUIRED: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  // The identity step: attested before it was started, or before the card and face photos are in.
  IDENTITY_NOT_STARTED: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
  IDENTITY_INCOMPLETE: { http: 409, trpc: "CONFLICT", close: closeCodes.gone, signal: "FAILED" },
};

export function statusOf(code: DomainErrorCode): ErrorStatus {
  return domainErrorStatus[code];
}
