// The report's "Recording completeness" section: the completeness report in
// words, zh-CN and en. Kept apart from the rest of the PDF (and its strings)
// so that it changes with the completeness computation, not with the layout.
import type { CompletenessGap, CompletenessReport, GapCause, UnknownReason } from "./completeness-report";
import type { PdfFlow } from "./pdf-flow-layout";
import type { ReportLocale } from "./report-strings";

const en = {
  heading: "Recording completeness",
  basis: (consent: string, toleranceS: number) =>
    `Checked against the survey's own timeline: from the recording consent (${consent}), every participant's camera and microphone ` +
    `should be recorded while on and not paused, until it is switched off, the person leaves or the survey closes. Offsets are counted ` +
    `from the consent. Gaps shorter than ${toleranceS} s (recorder start-up, waiting for the first keyframe) are tolerated.`,
  complete: (toleranceS: number) => `Complete: every expected audio and video track of every participant was recorded, with no gap of ${toleranceS} s or more.`,
  incomplete: "INCOMPLETE: parts of the survey that should have been recorded were not recorded. Each missing stretch is listed below.",
  unknown: (reason: string) => `Completeness cannot be stated: ${reason}`,
  noConsent: "Recording was never consented to, so nothing was to be recorded.",
  item: (who: string, kind: string, expected: string, recorded: string) => `${who} — ${kind}: expected ${expected}, recorded ${recorded}`,
  neverRecorded: "Never recorded: no recording of this track exists.",
  full: "Recorded in full.",
  missing: (from: string, to: string, length: string, fromTime: string, toTime: string, cause: string) =>
    `Missing ${from}–${to} (${length}; ${fromTime} → ${toTime}): ${cause}`,
  codes: (codes: string, ids: string) => ` (failure code ${codes}${ids ? `; error id ${ids}` : ""})`,
  then: "; ",
  tolerated: (n: number, length: string, toleranceS: number) => `${n} short gap(s) under ${toleranceS} s tolerated (${length} in total).`,
  kinds: { audio: "audio", video: "video" } as Record<string, string>,
  causes: {
    "recording-failed": "the recording failed",
    "muxer-restart": "the recorder restarted; the track continues in a new file",
    rejoin: "the participant rejoined; the track continues in a new file",
    replaced: "the camera or microphone was switched",
    "packet-loss": "media packets were lost on the way to the server",
    "recording-stopped": "the recording stopped early",
    "start-up": "the recording started late (recorder start-up)",
    "not-recorded": "never recorded, and no failure was logged",
    unknown: "no recording covers it, and no failure was logged",
    network: "the participant's network connection broke; the call recovered by itself",
    "tail-not-written": "the recorder fell behind on a busy server and did not write the last seconds it received",
    "no-frames": "the video has no picture: the sender stopped sending the picture being recorded until the server had a whole picture of another quality",
  } satisfies Record<GapCause, string>,
  unknownReasons: {
    "no-media-events": "the timeline does not record when cameras and microphones were on (the survey was recorded before the server logged this).",
    "track-without-media-events": "a recorded track has no camera or microphone events in the timeline.",
    "integrity-failed": "the survey record or the event log failed the integrity checks.",
    "no-survey-record": "the survey record cannot be read.",
  } satisfies Record<UnknownReason, string>,
};

const zh: typeof en = {
  heading: "录制完整性",
  basis: (consent, toleranceS) =>
    `依据本次查勘自身的时间线核对：自录制同意（${consent}）起，每位参与人的摄像头和麦克风在开启且未暂停期间均应被录制，` +
    `直至关闭、本人离开或查勘结束。时间偏移自同意时刻起算。短于 ${toleranceS} 秒的中断（录制启动、等待首个关键帧）视为可接受。`,
  complete: (toleranceS) => `完整：每位参与人应录制的音频和视频均已录制，无 ${toleranceS} 秒及以上的中断。`,
  incomplete: "不完整：查勘中有应录制而未录制的部分，缺失时段逐一列于下方。",
  unknown: (reason) => `无法判断录制是否完整：${reason}`,
  noConsent: "未取得录制同意，本次查勘不应录制任何内容。",
  item: (who, kind, expected, recorded) => `${who} — ${kind}：应录制 ${expected}，已录制 ${recorded}`,
  neverRecorded: "从未录制：该轨道没有任何录制文件。",
  full: "全程录制。",
  missing: (from, to, length, fromTime, toTime, cause) => `缺失 ${from}–${to}（${length}；${fromTime} → ${toTime}）：${cause}`,
  codes: (codes, ids) => `（错误码 ${codes}${ids ? `；错误编号 ${ids}` : ""}）`,
  then: "；",
  tolerated: (n, length, toleranceS) => `另有 ${n} 处短于 ${toleranceS} 秒的中断，视为可接受（合计 ${length}）。`,
  kinds: { audio: "音频", video: "视频" },
  causes: {
    "recording-failed": "录制失败",
    "muxer-restart": "录制进程重启，之后在新文件中继续录制",
    rejoin: "参与人重新加入，之后在新文件中继续录制",
    replaced: "摄像头或麦克风已切换",
    "packet-loss": "媒体数据在传输至服务器途中丢失",
    "recording-stopped": "录制提前停止",
    "start-up": "录制启动延迟",
    "not-recorded": "未录制，且没有失败记录",
    unknown: "没有录制文件覆盖该时段，且没有失败记录",
    network: "参与人的网络连接中断，通话随后自动恢复",
    "tail-not-written": "服务器繁忙，录制进程落后，未写入收到的最后几秒",
    "no-frames": "视频无画面：发送方停止发送正在录制的画质，直到服务器收到另一画质的完整画面",
  },
  unknownReasons: {
    "no-media-events": "时间线未记录摄像头和麦克风的开启时段（本次查勘录制时服务器尚未记录此项）。",
    "track-without-media-events": "某一录制轨道在时间线中没有对应的摄像头或麦克风事件。",
    "integrity-failed": "查勘记录或事件日志未通过完整性校验。",
    "no-survey-record": "无法读取查勘记录。",
  },
};

export type CompletenessStrings = typeof en;

export function completenessStrings(locale: ReportLocale): CompletenessStrings {
  return locale === "zh-CN" ? zh : en;
}

/** The completeness report in words: the verdict first, then each participant × kind and every missing stretch. */
export function completenessLines(
  report: CompletenessReport,
  locale: ReportLocale,
  fmt: { when: (iso: string) => string; who: (participantId: string) => string },
): { verdict: string; basis: string | null; items: { title: string; lines: string[] }[] } {
  const c = completenessStrings(locale);
  const toleranceS = report.toleranceMs / 1000;
  const verdict =
    report.status === "unknown"
      ? c.unknown(c.unknownReasons[report.unknownReason ?? "no-survey-record"])
      : report.consentAt === null
        ? c.noConsent
        : report.status === "complete"
          ? c.complete(toleranceS)
          : c.incomplete;
  const items = report.items.map((i) => {
    const lines: string[] = [];
    if (i.neverRecorded) lines.push(c.neverRecorded);
    const counted = i.gaps.filter((g) => !g.tolerated);
    const tolerated = i.gaps.filter((g) => g.tolerated);
    for (const g of counted) lines.push(c.missing(g.fromOffset, g.toOffset, length(g.ms), fmt.when(g.from), fmt.when(g.to), causeText(c, g)));
    if (tolerated.length) lines.push(c.tolerated(tolerated.length, length(tolerated.reduce((s, g) => s + g.ms, 0)), toleranceS));
    if (!counted.length && !i.neverRecorded) lines.push(c.full);
    return { title: c.item(fmt.who(i.participantId), c.kinds[i.kind] ?? i.kind, length(i.expectedMs), length(i.coveredMs)), lines };
  });
  return { verdict, basis: report.consentAt ? c.basis(fmt.when(report.consentAt), toleranceS) : null, items };
}

function causeText(c: CompletenessStrings, g: CompletenessGap): string {
  let text = c.causes[g.cause] ?? g.cause;
  if (g.cause === "recording-failed" && g.resumedAfter) text += `${c.then}${c.causes[g.resumedAfter]}`;
  if (g.codes.length) text += c.codes(g.codes.join(", "), g.errorIds.join(", "));
  return text;
}

/** Writes the section into the report. */
export function writeCompletenessSection(
  flow: PdfFlow,
  report: CompletenessReport,
  locale: ReportLocale,
  fmt: { when: (iso: string) => string; who: (participantId: string) => string },
): void {
  const c = completenessStrings(locale);
  const { verdict, basis, items } = completenessLines(report, locale, fmt);
  flow.heading(c.heading);
  flow.paragraph(verdict, { font: flow.fonts.bold });
  if (basis) flow.paragraph(basis, { size: 8, grey: true });
  for (const item of items) {
    flow.paragraph(item.title, { font: flow.fonts.bold, size: 9 });
    for (const line of item.lines) flow.paragraph(line, { indent: 12, size: 8 });
  }
  flow.gap(4);
}

/** "0.4 s", "42 s", "01:53", "1:02:03": tenths below 10 s, so a short tolerated gap does not read as 0. */
function length(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const mmss = `${String(m).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}
