// Places the server's zod issues for a rejected save where the admin can act
// on them (beside a field of a row, or above the buttons) and words them in the
// admin's language when the problem is a known one.
import type { AppRouter } from "../../../server/api/root";
import type { TRPCClientError } from "@trpc/client";
import type { MessageKey } from "../../_i18n/messages";

export type SaveIssue = NonNullable<NonNullable<TRPCClientError<AppRouter>["data"]>["issues"]>[number];

/** The editable fields of an item, named by their path inside it. */
export const itemFields = ["key", "label.zh-CN", "label.en", "instruction.zh-CN", "instruction.en", "overlay", "required", "multiple"] as const;
export type ItemField = (typeof itemFields)[number];
export type FieldIssues = Partial<Record<ItemField, SaveIssue>>;

export interface PlacedIssues {
  /** By row position in the list that was sent. */
  byRow: Map<number, FieldIssues>;
  general: SaveIssue[];
}

export function placeIssues(issues: SaveIssue[]): PlacedIssues {
  const placed: PlacedIssues = { byRow: new Map(), general: [] };
  for (const issue of issues) {
    const [top, index, ...rest] = issue.path;
    const field = rest.join(".") as ItemField;
    if (top === "items" && typeof index === "number" && itemFields.includes(field)) {
      const row = placed.byRow.get(index) ?? {};
      row[field] ??= issue;
      placed.byRow.set(index, row);
    } else {
      placed.general.push(issue);
    }
  }
  return placed;
}

// Worded at render time, so switching language rewords the marks already shown.
export function fieldMessage(field: ItemField, issue: SaveIssue, t: (k: MessageKey) => string): string {
  if (field === "key") return t(issue.code === "custom" ? "checklists.error.duplicateKey" : "checklists.error.keyFormat");
  if (field === "overlay") return t("checklists.error.overlay");
  if (field.startsWith("label.") || field.startsWith("instruction.")) {
    if (issue.code === "too_small") return t("checklists.error.required");
    if (issue.code === "too_big") return t("checklists.error.tooLong");
  }
  return issue.message;
}

export function listMessage(issue: SaveIssue, t: (k: MessageKey) => string): string {
  const isList = issue.path.length === 1 && issue.path[0] === "items";
  if (isList && issue.code === "too_small") return t("checklists.error.empty");
  if (isList && issue.code === "too_big") return t("checklists.error.tooMany");
  return `${issue.path.join(".")}: ${issue.message}`;
}
