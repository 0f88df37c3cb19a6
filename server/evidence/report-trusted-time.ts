// The report's "Trusted time" section, zh-CN and en: whether an independent
// time-stamping authority vouches for when this evidence was sealed, or, said
// plainly, that every time in the report is the server's own clock. The report
// is written before its own signature (and the manifest's) is stamped, so it
// states what is known then: the event log tree head's token, or its absence.
import type { PdfFlow } from "./pdf-flow-layout";
import type { ReportLocale } from "./report-strings";
import type { TrustedTimeRecord } from "./trusted-time";

const en = {
  heading: "Trusted time",
  serverTimeOnly: "No trusted timestamp: every time in this report is this server's own clock. Nothing independent of the server proves when the survey took place or when this evidence was sealed.",
  notConfigured: "No time-stamping authority is configured on this server.",
  failed: (reason: string) => `The time-stamping authority was asked but gave no timestamp (${reason}).`,
  stamped: (tsa: string, at: string) =>
    `The signed event log (its Merkle tree head) carries an RFC 3161 timestamp from an independent time-stamping authority, ${tsa}, ` +
    `proving it existed at ${at}. The times of the events, photos and messages below are still the server's clock; the timestamp proves ` +
    `they were recorded no later than that moment.`,
  others:
    "The PDF signature and the manifest signature are timestamped the same way when the authority answers. " +
    "Check every timestamp offline with: npx claims-survey verify <package> --tsa-trust <TSA certificate>",
  authority: "Time-stamping authority",
};

const zh: typeof en = {
  heading: "可信时间",
  serverTimeOnly: "无可信时间戳：本报告中的所有时间均为本服务器自身的时钟，没有独立于服务器的第三方证明查勘发生的时间或本证据封存的时间。",
  notConfigured: "本服务器未配置时间戳服务机构。",
  failed: (reason: string) => `已向时间戳服务机构申请，但未获得时间戳（${reason}）。`,
  stamped: (tsa: string, at: string) =>
    `经签名的事件日志（其默克尔树头）带有独立时间戳服务机构 ${tsa} 出具的可信时间戳，证明其在 ${at} 已经存在。` +
    `下文各事件、照片和消息的时间仍为服务器时钟；该时间戳证明它们不晚于该时刻被记录。`,
  others: "在时间戳服务机构应答时，PDF 签名和清单签名同样带有时间戳。离线校验全部时间戳：npx claims-survey verify <证据包> --tsa-trust <时间戳服务机构证书>",
  authority: "时间戳服务机构",
};

/** The section's words in one language (also read by the zh-CN words check). */
export function trustedTimeStrings(locale: ReportLocale): typeof en {
  return locale === "zh-CN" ? zh : en;
}

export function writeTrustedTimeSection(flow: PdfFlow, record: TrustedTimeRecord, locale: ReportLocale, when: (iso: string) => string): void {
  const s = trustedTimeStrings(locale);
  flow.heading(s.heading);
  const head = record.eventTreeHead;
  if (head?.status === "stamped") {
    flow.paragraph(s.stamped(head.tsaSubject, when(head.genTime)), { font: flow.fonts.bold });
    flow.paragraph(s.others, { size: 8 });
  } else {
    flow.paragraph(s.serverTimeOnly, { font: flow.fonts.bold });
    flow.paragraph(head?.status === "failed" ? s.failed(head.reason) : s.notConfigured, { size: 8 });
  }
  if (record.authority) flow.keyValues([[s.authority, record.authority, "mono"]]);
  flow.gap(4);
}
