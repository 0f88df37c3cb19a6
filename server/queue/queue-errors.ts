// Why a queue action was refused, as a code the REST layer and the pages translate.
import { DomainError, type DomainErrorCode } from "../domain/errors";

export type QueueErrorCode =
  | "QUEUE_NOT_FOUND"
  | "ENTRY_NOT_FOUND"
  | "OFFER_GONE"
  | "ENTRY_CLOSED"
  | "AGENT_UNKNOWN"
  | "AGENT_BUSY"
  | "TRANSFER_TARGET"
  | "TRANSFER_NOT_READY"
  | "TRANSFER_PENDING"
  | "TRANSFER_CLOSED";

export class QueueError extends Error {
  constructor(public readonly code: QueueErrorCode, message: string) {
    super(message);
    this.name = "QueueError";
  }
}

/**
 * Each refusal as the domain error it is, so it takes the one code-to-status
 * table (server/domain/error-status.ts) on every transport: a lapsed offer or a
 * closed entry is a conflict with the current state, an agent without a queue
 * may not take offers.
 */
const asDomainCode: Record<QueueErrorCode, DomainErrorCode> = {
  QUEUE_NOT_FOUND: "NOT_FOUND",
  ENTRY_NOT_FOUND: "NOT_FOUND",
  OFFER_GONE: "CONFLICT",
  ENTRY_CLOSED: "CONFLICT",
  AGENT_UNKNOWN: "FORBIDDEN",
  AGENT_BUSY: "CONFLICT",
  TRANSFER_TARGET: "TRANSFER_TARGET",
  TRANSFER_NOT_READY: "TRANSFER_NOT_READY",
  TRANSFER_PENDING: "TRANSFER_PENDING",
  TRANSFER_CLOSED: "SURVEY_CLOSED",
};

export function queueDomainError(err: QueueError): DomainError {
  return new DomainError(asDomainCode[err.code], err.message);
}
