// The driver's statement: the survey's recorded facts (the incident as the
// claim records it, every photo with its SHA-256, the recording consent) as one
// plain text in the driver's language, which the driver signs by hand. The text
// is canonical (NFC, LF line ends, fixed number and time formats, no
// locale-dependent formatting), so the same facts always give the same bytes
// and the same SHA-256: the server recomputes it when the phone signs and when
// staff confirm, and the verifier recomputes it from the package alone.
import { createHash } from "node:crypto";
import { z } from "zod";
import { instant } from "./package-input";
import { reportStrings } from "./report-strings";

export const STATEMENT_FORMAT = "claims-survey-statement/1";

export const statementFactsSchema = z.object({
  locale: z.enum(["zh-CN", "en"]),
  surveyId: z.string().min(1).max(128),
  claimNumber: z.string().min(1).max(128),
  // A driver who reported by video may have given only the plate or only the policy number,
  // and no name: what was not given is empty and the statement shows a dash.
  policyNumber: z.string().max(64),
  plate: z.string().max(32),
  policyholderName: z.string().max(200),
  claimType: z.string().min(1).max(64),
  incidentAt: instant,
  incidentPlace: z.string().max(500),
  photos: z.array(
    z.object({
      /** The checklist item's name in the statement's language. */
      item: z.string().min(1).max(200),
      capturedAt: instant,
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      verdict: z.enum(["accepted", "rejected", "overridden"]),
    }),
  ),
  /** The recording notice's answer; null when it was never answered. */
  consent: z.object({ decision: z.enum(["granted", "refused"]), at: instant, noticeVersion: z.string().max(40) }).nullable(),
});
export type StatementFacts = z.input<typeof statementFactsSchema>;
export type StatementLocale = "zh-CN" | "en";

const words = {
  en: {
    title: "Statement of the insured driver",
    intro: "I have read the following facts recorded in this remote survey and confirm that they are true and complete to the best of my knowledge.",
    incident: "Incident",
    surveyId: "Survey",
    claim: "Claim number",
    policy: "Policy number",
    plate: "Plate",
    name: "Policyholder",
    type: "Claim type",
    at: "Time of incident",
    place: "Place of incident",
    photos: "Photos taken in the survey",
    noPhotos: "No photos were taken.",
    verdicts: { accepted: "accepted", rejected: "rejected by the quality check", overridden: "accepted by the agent" },
    consent: "Recording consent",
    consentGranted: (at: string, v: string) => `I agreed to the recording of this survey at ${at} (notice version ${v}).`,
    consentRefused: (at: string, v: string) => `I refused the recording of this survey at ${at} (notice version ${v}).`,
    consentNone: "The recording notice was not answered.",
    closing: "By signing below I confirm this statement.",
  },
  "zh-CN": {
    title: "被保险驾驶人声明",
    intro: "本人已阅读本次远程查勘记录的以下事实，确认据本人所知真实、完整。",
    incident: "事故信息",
    surveyId: "查勘编号",
    claim: "报案号",
    policy: "保单号",
    plate: "车牌号",
    name: "投保人",
    type: "案件类型",
    at: "出险时间",
    place: "出险地点",
    photos: "查勘中拍摄的照片",
    noPhotos: "未拍摄照片。",
    verdicts: { accepted: "合格", rejected: "质检未通过", overridden: "坐席人工通过" },
    consent: "录音录像同意",
    consentGranted: (at: string, v: string) => `本人于 ${at} 同意对本次查勘进行录音录像（告知版本 ${v}）。`,
    consentRefused: (at: string, v: string) => `本人于 ${at} 拒绝对本次查勘进行录音录像（告知版本 ${v}）。`,
    consentNone: "未答复录音录像告知。",
    closing: "本人在下方签名，确认以上声明。",
  },
} as const;

/** The statement's exact text. */
export function statementText(raw: StatementFacts): string {
  const f = statementFactsSchema.parse(raw);
  const w = words[f.locale];
  const time = (iso: string) => fixedTime(iso, f.locale);
  const claimType = reportStrings(f.locale).claimTypes[f.claimType] ?? f.claimType;
  const lines = [
    `${w.title}`,
    `[${STATEMENT_FORMAT} ${f.locale}]`,
    "",
    w.intro,
    "",
    `${w.incident}`,
    `${w.surveyId}: ${f.surveyId}`,
    `${w.claim}: ${f.claimNumber}`,
    `${w.policy}: ${f.policyNumber || "—"}`,
    `${w.plate}: ${f.plate || "—"}`,
    `${w.name}: ${f.policyholderName || "—"}`,
    `${w.type}: ${claimType}`,
    `${w.at}: ${time(f.incidentAt)}`,
    `${w.place}: ${f.incidentPlace || "—"}`,
    "",
    `${w.photos}`,
    ...(f.photos.length === 0 ? [w.noPhotos] : f.photos.map((p, i) => `${i + 1}. ${p.item} · ${time(p.capturedAt)} · ${w.verdicts[p.verdict]} · SHA-256 ${p.sha256}`)),
    "",
    `${w.consent}`,
    !f.consent ? w.consentNone : (f.consent.decision === "granted" ? w.consentGranted : w.consentRefused)(time(f.consent.at), f.consent.noticeVersion),
    "",
    w.closing,
  ];
  return canonicalStatement(lines.join("\n"));
}

/** NFC, LF line ends, no trailing blanks on a line, exactly one final newline. */
export function canonicalStatement(text: string): string {
  return `${text
    .normalize("NFC")
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n+$/, "")}\n`;
}

/** SHA-256 (lowercase hex) of the statement's UTF-8 bytes: what the driver signs. */
export function statementSha256(text: string): string {
  return createHash("sha256").update(Buffer.from(text, "utf8")).digest("hex");
}

// Times without Intl (its output varies with the ICU build): China Standard
// Time has had no daylight saving since 1991, so a fixed +08:00 is exact.
function fixedTime(iso: string, locale: StatementLocale): string {
  const offsetMinutes = locale === "zh-CN" ? 480 : 0;
  const d = new Date(Date.parse(iso) + offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return locale === "zh-CN" ? `${stamp} (UTC+08:00)` : `${stamp} UTC`;
}
