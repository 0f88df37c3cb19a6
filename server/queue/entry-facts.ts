// What routing knows of a waiting entry, read from its row: the few columns a
// routing round loads for every waiting driver, and the facts made of them.
import type { Prisma } from "../db/client";
import type { EntryFacts } from "./route-decision";

/** A JSON list of strings stored as text; anything else reads as empty. */
export function jsonList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/**
 * The columns routing reads. A routing round loads every waiting entry (a thousand
 * at a busy hour), so it loads only these: the whole rows (mobile, token hash,
 * policy facts) took about three times as long to read on SQLite.
 */
export const entryFactsColumns = {
  id: true,
  queueId: true,
  vip: true,
  mode: true,
  claimType: true,
  language: true,
  region: true,
  enteredAt: true,
  preferredAgentId: true,
  stickyAgentId: true,
  passedBy: true,
} satisfies Prisma.QueueEntrySelect;

type EntryRow = Prisma.QueueEntryGetPayload<{ select: typeof entryFactsColumns }>;

export function entryFacts(e: EntryRow): EntryFacts {
  return {
    id: e.id,
    queueId: e.queueId,
    vip: e.vip,
    mode: e.mode === "callback" ? "callback" : e.mode === "transfer" ? "transfer" : "live",
    claimType: e.claimType,
    language: e.language,
    region: e.region,
    enteredAtMs: e.enteredAt.getTime(),
    preferredAgentId: e.preferredAgentId,
    stickyAgentId: e.stickyAgentId,
    passedBy: jsonList(e.passedBy),
  };
}
