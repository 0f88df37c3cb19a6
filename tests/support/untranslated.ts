// Finds words a Chinese reader should not meet on a zh-CN screen or in a
// zh-CN report: a catalogue key shown as is, an internal code (snake_case,
// dotted or kebab-case keys such as motor_collision or capture.state.missing),
// or an English word from the English catalogue. Names, numbers, hashes, ids,
// e-mail addresses, links and package file names are data, not words, and are
// taken out first.
import { en } from "../../app/_i18n/messages";
import { reportStrings } from "../../server/evidence/report-strings";
import { trustedTimeStrings } from "../../server/evidence/report-trusted-time";

/**
 * Latin tokens that belong on a Chinese screen, each with why.
 * Compared in lower case.
 */
export const ALLOWED_LATIN = new Map<string, string>([
  ["english", "the language switch names the other language in its own words"],
  ["safari", "browser brand the phone user must recognise (join page)"],
  ["chrome", "browser brand the phone user must recognise (join page)"],
  ["pdf", "the file format of the report"],
  ["zip", "the file format of the package download"],
  ["sha", "SHA-256, the hash algorithm's name, has no Chinese name in use"],
  ["gps", "the usual term for satellite positions in Chinese too"],
  ["vin", "the vehicle identification number's abbreviation, printed on the VIN plate itself"],
  ["merkle", "the name of the hash-tree construction; no Chinese term is in use"],
  ["pades", "the name of the PDF signature standard (ETSI PAdES)"],
  ["utc", "time zone notation of printed times (UTC+8)"],
  ["vp8", "codec name of a recording"],
  ["opus", "codec name of a recording"],
  ["kib", "unit of size"],
  ["api", "the claims-system API: the usual term in Chinese technical text too"],
  ["mib", "unit of size"],
]);

/**
 * Text quoted verbatim for the reader to type: the offline verification
 * command (with, in the report's trusted-time section, its option naming the
 * time-stamping authority's certificate), and (in the claims-system API's error messages, read by the
 * insurer's developers) the HTTP header names, media type and date standard
 * the request must carry.
 */
const VERBATIM = ["npx claims-survey verify", "--tsa-trust", "Authorization: Bearer", "Idempotency-Key", "application/json", "ISO 8601"];

const FILE_NAME = /[\w./-]*\.(?:jpe?g|png|webp|heic|heif|webm|mkv|mka|ogg|mp4|m4a|wav|jsonl|json|pdf|zip|pem|cer|svg)\b/gi;

function englishWords(): Set<string> {
  const words = new Set<string>();
  const add = (text: string) => {
    // Placeholders ({mobile}) are not words a reader sees.
    for (const w of text.replace(/\{\w+\}/g, " ").match(/[A-Za-z]+/g) ?? []) if (w.length >= 2) words.add(w.toLowerCase());
  };
  const walk = (v: unknown) => {
    if (typeof v === "string") add(v);
    else if (typeof v === "function") {
      // Worded functions of the report: their fixed words, with sample values.
      const out = (v as (...a: unknown[]) => unknown)("x", "x", "x");
      if (typeof out === "string") add(out.replace(/\bx\b/g, " "));
    } else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(en);
  walk(reportStrings("en"));
  walk(trustedTimeStrings("en"));
  for (const allowed of ALLOWED_LATIN.keys()) words.delete(allowed);
  return words;
}

const ENGLISH = englishWords();
const KEYS = Object.keys(en);

export interface Finding {
  kind: "catalogue-key" | "internal-code" | "english-word";
  token: string;
  context: string;
}

/** Everything untranslated in a piece of zh-CN text; empty when it reads as Chinese throughout. */
export function untranslated(text: string): Finding[] {
  const findings: Finding[] = [];
  const around = (i: number) => text.slice(Math.max(0, i - 40), i + 40).replace(/\s+/g, " ");
  for (const key of KEYS) {
    const i = text.indexOf(key);
    if (i >= 0) findings.push({ kind: "catalogue-key", token: key, context: around(i) });
  }
  let clean = text;
  // Layout may space the command's words differently (pdftotext -layout).
  for (const v of VERBATIM) clean = clean.replace(new RegExp(v.split(" ").map((w) => w.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")).join("\\s+"), "g"), " ");
  clean = clean
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, " ")
    .replace(FILE_NAME, " ");
  for (const m of clean.matchAll(/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[a-z][a-zA-Z0-9]*(?:\.[a-zA-Z][\w-]*)+\b|\b[a-z]+(?:-[a-z]+)+\b/g)) {
    findings.push({ kind: "internal-code", token: m[0], context: around(text.indexOf(m[0])) });
  }
  // Ids and hashes (letters mixed with digits) are data.
  clean = clean.replace(/\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]+\b/g, " ");
  for (const m of clean.matchAll(/[A-Za-z]+/g)) {
    const w = m[0].toLowerCase();
    if (w.length >= 2 && ENGLISH.has(w) && !ALLOWED_LATIN.has(w)) findings.push({ kind: "english-word", token: m[0], context: around(text.indexOf(m[0])) });
  }
  return findings;
}

/** Fails naming every untranslated word found on a zh-CN screen or report, with where it was seen. */
export function assertChinese(text: string, where: string) {
  const found = untranslated(text);
  if (found.length) throw new Error(`${where} shows untranslated text: ${found.map((f) => `${f.kind}: "${f.token}" in …${f.context}…`).join("; ")}`);
}
