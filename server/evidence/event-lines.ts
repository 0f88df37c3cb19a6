// The package's event log (events.jsonl) read line by line for the checks that
// look up particular events (the statement's, the identity step's). Tolerant: a
// line that does not parse is skipped here; the event-log check reports it.
export interface EventLine {
  seq?: unknown;
  at?: unknown;
  type?: unknown;
  actorId?: unknown;
  payload?: Record<string, unknown> | null;
}

export function parseEventLines(bytes: Buffer | undefined): EventLine[] {
  if (!bytes) return [];
  const out: EventLine[] = [];
  for (const line of bytes.toString("utf8").split("\n")) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as EventLine;
      if (e && typeof e === "object") out.push(e);
    } catch {
      // Reported by the event-log check.
    }
  }
  return out;
}
