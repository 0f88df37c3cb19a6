// The rules every piece of text and every date from outside must pass before it
// reaches the database, an SMS or the evidence PDF. Schemas carry message keys
// of app/_i18n/messages.ts (never English sentences) so that each entry point
// can answer in the caller's language (server/http/validation-errors.ts).
import { z } from "zod";

/**
 * Characters that have no business in a name, a plate or an address and that change
 * what a reader sees: C0/C1 controls (NUL included), bidirectional overrides and
 * isolates (U+202E makes "gpj.exe" read backwards), zero-width and other invisible
 * characters, line/paragraph separators and the byte-order mark.
 */
const UNSAFE_CHARS = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB]/u;
/** The same, but a multi-line field keeps its line breaks and tabs. */
const UNSAFE_CHARS_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u061C\u115F\u1160\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB]/u;

/** An unpaired UTF-16 surrogate: not text, and no database stores it faithfully. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Text typed by a person or sent by a claims system: well-formed, without invisible or
 * control characters, NFC-normalised, trimmed and length-checked.
 */
export function safeText(opts: { min?: number; max: number; multiline?: boolean }) {
  const unsafe = opts.multiline ? UNSAFE_CHARS_MULTILINE : UNSAFE_CHARS;
  return z
    .string({ error: (iss) => (iss.input === undefined ? "error.field.required" : "error.field.type") })
    .refine(isWellFormed, { message: "error.field.malformedText", abort: true })
    .refine((s) => !unsafe.test(s), { message: "error.field.unsafeText", abort: true })
    .transform((s) => s.normalize("NFC").trim())
    .pipe(
      z
        .string()
        .min(opts.min ?? 0, { message: opts.min === 1 ? "error.field.required" : "error.field.tooShort" })
        .max(opts.max, { message: "error.field.tooLong" }),
    );
}

export const MIN_YEAR = 1900;
export const MAX_YEAR = 9999;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/**
 * A point in time: a Date (tRPC carries real Dates) or an ISO 8601 string with an explicit
 * offset (or a plain date, read as UTC midnight). Never null, a boolean or a number — those
 * used to be coerced to 1970-01-01. The year must lie in MIN_YEAR..MAX_YEAR.
 */
export function isoDateTime() {
  return z
    .union([z.date(), z.string()], { error: "error.field.date" })
    .refine((v) => v instanceof Date || ISO_DATE.test(v), { message: "error.field.date", abort: true })
    .transform((v) => (v instanceof Date ? v : new Date(v)))
    .refine((d) => !Number.isNaN(d.getTime()), { message: "error.field.date", abort: true })
    .refine((d) => d.getUTCFullYear() >= MIN_YEAR && d.getUTCFullYear() <= MAX_YEAR, {
      message: "error.field.dateRange",
      params: { min: MIN_YEAR, max: MAX_YEAR },
      abort: true,
    });
}

export interface MalformedInput {
  path: (string | number)[];
  message: "error.field.malformedText" | "error.field.date" | "error.field.dateRange";
}

/**
 * Walks any decoded request input and finds what no schema should ever have to see:
 * strings with unpaired surrogates (also in object keys), invalid Dates, and Dates whose
 * year lies outside 0..9999 (what databases and ISO 8601 can hold). Every entry point runs
 * it before its own schema, so a field some router validates loosely is covered as well.
 */
export function findMalformedInput(value: unknown, path: (string | number)[] = [], depth = 0): MalformedInput | null {
  if (depth > 32) return null;
  if (typeof value === "string") return isWellFormed(value) ? null : { path, message: "error.field.malformedText" };
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return { path, message: "error.field.date" };
    const y = value.getUTCFullYear();
    return y < 0 || y > 9999 ? { path, message: "error.field.dateRange" } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findMalformedInput(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (!isWellFormed(k)) return { path: [...path, k], message: "error.field.malformedText" };
      const found = findMalformedInput(v, [...path, k], depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/** A ZodError for a malformed input, so every layer reports it like any other invalid field. */
export function malformedInputError(found: MalformedInput): z.ZodError {
  const params = found.message === "error.field.dateRange" ? { min: 0, max: 9999 } : undefined;
  // Made by a parse rather than `new z.ZodError(...)`: only then is it an Error that tRPC keeps as the cause.
  return z
    .unknown()
    .superRefine((_, ctx) => ctx.addIssue({ code: "custom", path: found.path.map((p) => (typeof p === "number" ? p : String(p))), message: found.message, params }))
    .safeParse(null).error!;
}
