// Why a queue action was refused, as a code the REST layer and the pages translate.
export type QueueErrorCode = "QUEUE_NOT_FOUND" | "ENTRY_NOT_FOUND" | "OFFER_GONE" | "ENTRY_CLOSED" | "AGENT_UNKNOWN" | "AGENT_BUSY";

export class QueueError extends Error {
  constructor(public readonly code: QueueErrorCode, message: string) {
    super(message);
    this.name = "QueueError";
  }
}
