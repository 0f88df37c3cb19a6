// The server's statement refusals by code, as catalogue keys (never its English text).
import type { MessageKey } from "../../_i18n/messages";

const known = ["STATEMENT_CHANGED", "STATEMENT_NOT_REQUESTED", "STATEMENT_NOT_SIGNED", "SIGNATURE_INVALID", "SURVEY_CLOSED", "STATEMENT_REQUIRED"] as const;

export function statementErrorKey(code: string | null): MessageKey {
  const hit = known.find((k) => k === code);
  return hit ? (`statement.error.${hit}` as MessageKey) : "common.error";
}
