// The day's queue events as CSV (RFC 4180), for supervisors to check the
// wallboard's figures in a spreadsheet. One row per stored event, its payload as
// the JSON it was stored as. No cell can start with = + - @ (ids are cuids,
// types are fixed words, times ISO, payloads JSON objects), so a spreadsheet
// never reads a cell as a formula.

export const queueEventCsvColumns = ["id", "at", "type", "queueId", "entryId", "agentId", "payload"] as const;

export interface CsvEventRow {
  id: string;
  at: Date;
  type: string;
  queueId: string | null;
  entryId: string | null;
  agentId: string | null;
  payload: string;
}

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function queueEventsCsv(rows: readonly CsvEventRow[]): string {
  const lines = [queueEventCsvColumns.join(",")];
  for (const r of rows) lines.push([r.id, r.at.toISOString(), r.type, r.queueId ?? "", r.entryId ?? "", r.agentId ?? "", r.payload].map(cell).join(","));
  return lines.join("\r\n") + "\r\n";
}
