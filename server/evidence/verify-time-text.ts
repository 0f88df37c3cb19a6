// The verifier's trusted-time block, in English and Chinese side by side: an
// auditor in either language must read plainly whether the package's times are
// proven by an independent authority or are only the server's own clock.
import type { TokenReport, TrustedTimeResult } from "./verify-trusted-time";

const WHAT: Record<TokenReport["file"], [string, string]> = {
  "manifest.sig": ["manifest signature", "清单签名"],
  "event-tree-head.json": ["event log tree head", "事件日志树头"],
  "report.pdf": ["PDF report signature", "PDF 报告签名"],
};

const STATUS: Record<TokenReport["status"], [string, string]> = {
  proven: ["PROVEN", "已证明"],
  unverified: ["NOT PROVEN (TSA not checked: give --tsa-trust)", "未证明（未校验 TSA 证书，请使用 --tsa-trust）"],
  invalid: ["INVALID TOKEN", "时间戳无效"],
  absent: ["NO TIMESTAMP", "无时间戳"],
};

export function formatTrustedTime(t: TrustedTimeResult): string[] {
  const lines: string[] = [];
  if (t.serverTimeOnly) {
    lines.push("TRUSTED TIME none: every time in this package is the server's own clock; no RFC 3161 timestamp proves it.");
    lines.push("可信时间 无：本证据包中的所有时间均为服务器自身时钟，没有 RFC 3161 时间戳证明。");
  } else if (t.tokens.every((k) => k.status === "proven")) {
    lines.push("TRUSTED TIME proven by RFC 3161 timestamps from a trusted time-stamping authority");
    lines.push("可信时间 已由受信任的时间戳服务机构的 RFC 3161 时间戳证明");
  } else if (t.tokens.every((k) => k.status === "unverified")) {
    lines.push("TRUSTED TIME claimed by RFC 3161 timestamps, not proven: give --tsa-trust with the TSA's certificate to check them");
    lines.push("可信时间 带有 RFC 3161 时间戳但未证明：请用 --tsa-trust 指定 TSA 证书进行校验");
  } else {
    lines.push("TRUSTED TIME not proven for every signature (see below)");
    lines.push("可信时间 并非所有签名的时间均得到证明（见下）");
  }
  if (t.trustedTsa) lines.push(`  trusted TSA 受信任的 TSA: ${t.trustedTsa.join("; ")}`);
  if (t.authority !== undefined) lines.push(`  authority asked 申请的机构: ${t.authority ?? "none configured 未配置"}`);
  for (const k of t.tokens) {
    const [what, zhWhat] = WHAT[k.file];
    const [status, zhStatus] = STATUS[k.status];
    const at = k.genTime ? ` ${k.genTime} by ${k.tsa}${k.serialNumber ? ` (serial ${k.serialNumber})` : ""}` : "";
    lines.push(`  ${what} / ${zhWhat}: ${status} ${zhStatus}${at}${k.reason ? ` — ${k.reason}` : ""}`);
  }
  return lines;
}
