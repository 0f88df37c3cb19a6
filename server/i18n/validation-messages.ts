// Turns zod issues into what a caller can act on: for each invalid field its path, a
// stable code and a message in the caller's language that names the field. Schemas in
// server/domain carry message keys; issues from plainer schemas are mapped by kind.
import type { z } from "zod";
import { isMessageKey, translate, type Locale, type MessageKey } from "./translate";

export interface FieldProblem {
  /** Dotted path of the field in the request, e.g. "claim.plate". */
  field: string;
  /** The message key without its "error.field." prefix, e.g. "tooLong". */
  code: string;
  message: string;
}

// Where a field's label is not simply "claim.<name>" or "field.<last segment>".
const LABELS: Record<string, MessageKey> = {
  "adjuster.name": "claim.adjusterName",
  "adjuster.mobile": "claim.adjusterMobile",
  "claim.externalRef": "field.externalRef",
};

export function fieldLabel(path: string, locale: Locale): string {
  if (!path) return translate(locale, "field.claim");
  const last = path.split(".").pop()!;
  const key = [LABELS[path], path, `claim.${last}`, `field.${last}`].find(isMessageKey);
  return key ? translate(locale, key) : path;
}

type Issue = z.core.$ZodIssue;

function keyFor(issue: Issue): { key: MessageKey; params: Record<string, string | number> } {
  const params: Record<string, string | number> = {};
  if (issue.code === "too_small") params.min = Number(issue.minimum);
  if (issue.code === "too_big") params.max = Number(issue.maximum);
  if (issue.code === "custom" && issue.params) for (const [k, v] of Object.entries(issue.params)) if (typeof v === "string" || typeof v === "number") params[k] = v;
  if (isMessageKey(issue.message) && issue.message.startsWith("error.field.")) return { key: issue.message, params };
  switch (issue.code) {
    case "invalid_type":
      return { key: /received undefined/.test(issue.message) ? "error.field.required" : "error.field.type", params };
    case "too_small":
      return { key: issue.origin === "string" && Number(issue.minimum) <= 1 ? "error.field.required" : issue.origin === "string" ? "error.field.tooShort" : "error.field.invalid", params };
    case "too_big":
      return { key: issue.origin === "string" ? "error.field.tooLong" : "error.field.invalid", params };
    case "invalid_format":
      return { key: issue.format === "email" ? "error.field.email" : issue.format === "datetime" || issue.format === "date" ? "error.field.date" : "error.field.invalid", params };
    case "invalid_value":
      return { key: "error.field.choice", params };
    default:
      return { key: "error.field.invalid", params };
  }
}

export function describeIssues(issues: readonly Issue[], locale: Locale): { summary: string; fields: FieldProblem[] } {
  const fields = issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    const { key, params } = keyFor(issue);
    return { field, code: key.replace(/^error\.field\./, ""), message: `${fieldLabel(field, locale)}${locale === "zh-CN" ? "：" : ": "}${translate(locale, key, params)}` };
  });
  const names = [...new Set(fields.map((f) => f.field || "(body)"))].join(", ");
  return { summary: translate(locale, "error.validation", { fields: names }), fields };
}
