// Every word the PDF report prints, per locale, so a translation is one file.
import type { RetentionBasis } from "./retention";
import type { ContinuityIssue } from "./continuity-report";

export type ReportLocale = "zh-CN" | "en";

const en = {
  title: "Claims survey evidence report",
  subtitle: "Remote survey record — signed evidence package",
  sectionClaim: "Claim and policy",
  surveyId: "Survey ID",
  claimId: "Claim ID",
  policyNumber: "Policy number",
  plate: "Plate",
  claimType: "Claim type",
  opened: "Survey opened",
  closed: "Survey closed",
  packageId: "Package ID",
  generated: "Package generated",
  softwareVersion: "Software version",
  qualityModel: "Quality model SHA-256",
  eventRoot: "Event log Merkle root",
  eventCount: "Events in log",
  signerKey: "Signing key",
  signerCertificate: "Signing certificate SHA-256",
  sectionParticipants: "Participants",
  role: "Role",
  name: "Name",
  identifiedBy: "How identified",
  joinedLeft: "Joined / left",
  roles: { policyholder: "Policyholder", agent: "Claims agent", adjuster: "Field adjuster" } as Record<string, string>,
  sectionConsent: "Consent",
  consentDecision: { accepted: "Accepted", refused: "Refused" } as Record<string, string>,
  consentBy: "Consent given by",
  consentReadBy: "Statement read by",
  consentAt: "Time",
  consentStatement: "Statement",
  noConsent: "The policyholder never answered the recording notice: no consent was given and nothing should have been recorded.",
  policyPeriodUnknown: "not on record",
  sectionTimeline: "Timeline",
  seq: "#",
  time: "Time",
  type: "Event",
  actor: "Actor",
  details: "Details",
  truncated: "… (full payload in events.jsonl)",
  sectionCaptures: "Photos",
  noCaptures: "No photos were taken.",
  checklistItem: "Checklist item",
  captureId: "Capture ID",
  capturedAt: "Captured at",
  capturedBy: "Captured by",
  gps: "GPS",
  gpsNone: "not available",
  accuracy: "accuracy",
  verdict: "Quality verdict",
  verdicts: { pass: "Pass", fail: "Fail" } as Record<string, string>,
  scores: "Quality scores",
  override: "Override",
  overrideText: (by: string, reason: string) => `by ${by}: ${reason}`,
  sha256: "SHA-256",
  file: "File",
  thumbnailUnavailable: "thumbnail could not be decoded",
  sectionChat: "Chat transcript",
  noChat: "No chat messages.",
  from: "From",
  message: "Message",
  sectionRecordings: "Recordings",
  noRecordings: "No recordings.",
  participant: "Participant",
  kind: "Kind",
  kinds: { audio: "Audio", video: "Video" } as Record<string, string>,
  codec: "Codec",
  duration: "Duration",
  size: "Size",
  sectionContinuity: "Recording continuity",
  // Of this one file only: whether the survey as a whole was recorded is the completeness section's verdict.
  continuous: "This file has no pauses or gaps.",
  started: "started",
  stopped: "stopped",
  paused: "paused",
  resumed: "resumed",
  gap: "gap",
  pausesTotal: "Paused in total",
  gapsTotal: "Gaps in total",
  issues: "Findings",
  // The recorder's cause codes (media/recording/continuity-log.ts, crash recovery, the archive's mapping).
  causes: {
    rejoin: "the participant rejoined",
    replaced: "the participant's camera or microphone was replaced",
    "muxer-restart": "the recording process was restarted",
    "packet-loss": "packets lost on the way in",
    "producer-closed": "the participant stopped sending",
    removed: "recording of this track was stopped",
    "recorder-closed": "the recording ended",
    error: "a recording error",
    "server-crash": "the server stopped unexpectedly",
    network: "the participant's network dropped",
    "log-without-start": "the continuity log has no start entry; taken from the recording's start time",
  } as Record<string, string>,
  lostPackets: (n: number) => `${n} packets lost`,
  afterGap: (d: string) => `after a gap of ${d}`,
  continuityIssue: (i: ContinuityIssue, when: (iso: string) => string, duration: (ms: number) => string): string => {
    switch (i.code) {
      case "entry-after-stop":
        return `a ${i.entry} entry at ${when(i.at)} after the stop`;
      case "second-start":
        return `a second start at ${when(i.at)}`;
      case "pause-while-paused":
        return `a pause at ${when(i.at)} while already paused`;
      case "resume-without-pause":
        return `a resume at ${when(i.at)} without a pause`;
      case "never-resumed":
        return `paused at ${when(i.at)} and never resumed`;
      case "no-stop":
        return "no stop recorded (the recording may have been cut off)";
      case "duration-differs":
        return `the file lasts ${duration(i.fileMs)}, the wall clock says ${duration(i.wallMs)}`;
    }
  },
  sectionRetention: "Retention",
  policyPeriod: "Policy period",
  disputeClosed: "Dispute closed",
  destroyAfter: "Retain until (inclusive)",
  rule: "Rule applied",
  legalHold: "Legal hold",
  yes: "Yes",
  no: "No",
  sectionSignature: "Signature",
  signatureNote:
    "This PDF carries a PAdES electronic signature over the whole file. The evidence package's manifest, event log and " +
    "every media file are covered by a separately signed manifest. Verify offline with: npx claims-survey verify <package>",
  page: (n: number, total: number) => `Page ${n} of ${total}`,
  claimTypes: {
    motor_collision: "Motor – collision",
    motor_theft: "Motor – theft",
    motor_glass: "Motor – glass",
    motor_other: "Motor – other",
    property: "Property",
  } as Record<string, string>,
  /** Who acted when no person did. */
  actorRoles: { api: "Claims system (API)", system: "System", auditor: "Auditor", admin: "Administrator" } as Record<string, string>,
  identification: {
    smsInvite: (mobile: string) => `invite link sent by SMS to ${mobile}`,
    inviteLink: "invite link",
    staffLogin: (email: string) => `staff login ${email}`,
    unknownAccount: "(unknown account)",
    notInCall: "did not join the call",
  },
  events: {
    "survey.created": "Survey created",
    "survey.opened": "Survey opened",
    "survey.closed": "Survey ended",
    "invite.created": "Invite link issued",
    "invite.revoked": "Invite link withdrawn",
    "sms.queued": "SMS sent",
    "participant.joined": "Joined",
    "participant.left": "Left",
    "media.track.started": "Media started",
    "media.track.paused": "Media paused",
    "media.track.resumed": "Media resumed",
    "media.track.stopped": "Media stopped",
    "chat.message": "Chat message",
    "recording.consent": "Recording consent",
    "recording.started": "Recording started",
    "recording.failed": "Recording failed",
    "recording.track.started": "Track recording started",
    "recording.track.finalised": "Track recording finalised",
    "recording.finalised": "Recording finalised",
    "guide.pushed": "Photo guide shown",
    "capture.requested": "Photo requested",
    "capture.assessed": "Photo assessed",
    "capture.overridden": "Photo accepted anyway",
    "capture.provisional": "Photo quick check (compact copy)",
    "evidence.building": "Evidence package building",
    "evidence.ready": "Evidence package ready",
    "evidence.failed": "Evidence package failed",
    "evidence.purged": "Evidence package purged",
  } as Record<string, string>,
  otherEvent: "Other event",
  detail: {
    claim: (n: string) => `claim ${n}`,
    linkFor: (role: string) => `link for the ${role.toLowerCase()}`,
    sentTo: (to: string) => `sent to ${to}`,
    validUntil: (at: string) => `valid until ${at}`,
    rejoined: "rejoined",
    leftBecause: { disconnected: "connection closed", left: "left the call", withdrawn: "link withdrawn", ended: "survey ended" } as Record<string, string>,
    closedBecause: { ended_by_agent: "ended by the claims agent" } as Record<string, string>,
    otherReason: "other reason",
    noticeVersion: (v: string) => `notice version ${v}`,
    startedBecause: { consent: "after the policyholder's consent", "consent-on-record": "consent already on record" } as Record<string, string>,
    failedBecause: { DISK_FULL: "the disk is full", CONSUME_FAILED: "a track could not be received" } as Record<string, string>,
    otherFailure: "recording error",
    tracks: (n: number) => `${n} track(s)`,
    reasons: "reasons",
    restarted: "restarted after an interruption",
    files: (n: number) => `${n} files`,
    disagrees: "differs from the quick check of the compact copy",
  },
  scoreNames: {
    motion_blur: "motion blur",
    defocus: "out of focus",
    underexposure: "too dark",
    overexposure: "too bright",
    glare: "glare",
    noise: "grain",
    obstruction: "obstruction",
    low_quality: "low quality",
  } as Record<string, string>,
  retentionRule: (r: RetentionBasis) =>
    r.rule === "short-policy"
      ? `policy term of at most ${r.maxYears} year(s): policy end ${r.from} + ${r.years} years`
      : r.rule === "long-policy"
        ? `policy term over ${r.maxYears} year(s): policy end ${r.from} + ${r.years} years`
        : r.rule === "dispute"
          ? `dispute closed ${r.from} + ${r.years} years (later than the policy rule)`
          : `no policy period on record: survey closed ${r.from} + ${r.years} years (conservative fallback: the longest policy rule, counted from the survey)`,
};

const ZH_ENTRY: Record<string, string> = { start: "开始", stop: "停止", pause: "暂停", resume: "恢复", gap: "中断" };
const zhEntry = (t: string) => ZH_ENTRY[t] ?? t;

const zh: typeof en = {
  title: "理赔查勘证据报告",
  subtitle: "远程查勘记录——已签名证据包",
  sectionClaim: "案件与保单",
  surveyId: "查勘编号",
  claimId: "报案号",
  policyNumber: "保单号",
  plate: "车牌号",
  claimType: "案件类型",
  opened: "查勘开始",
  closed: "查勘结束",
  packageId: "证据包编号",
  generated: "证据包生成时间",
  softwareVersion: "软件版本",
  qualityModel: "质检模型 SHA-256",
  eventRoot: "事件日志 Merkle 根",
  eventCount: "事件数量",
  signerKey: "签名密钥",
  signerCertificate: "签名证书 SHA-256",
  sectionParticipants: "参与人",
  role: "角色",
  name: "姓名",
  identifiedBy: "身份确认方式",
  joinedLeft: "加入 / 离开",
  roles: { policyholder: "被保险人/驾驶员", agent: "理赔坐席", adjuster: "现场查勘员" },
  sectionConsent: "知情同意",
  consentDecision: { accepted: "同意", refused: "拒绝" },
  consentBy: "同意人",
  consentReadBy: "宣读人",
  consentAt: "时间",
  consentStatement: "告知内容",
  noConsent: "投保人未对录音录像告知作出答复：未取得同意，不应有任何录音录像。",
  policyPeriodUnknown: "未登记",
  sectionTimeline: "时间线",
  seq: "序号",
  time: "时间",
  type: "事件",
  actor: "操作人",
  details: "详情",
  truncated: "……（完整内容见 events.jsonl）",
  sectionCaptures: "照片",
  noCaptures: "未拍摄照片。",
  checklistItem: "拍摄项目",
  captureId: "照片编号",
  capturedAt: "拍摄时间",
  capturedBy: "拍摄人",
  gps: "GPS 位置",
  gpsNone: "无",
  accuracy: "精度",
  verdict: "质检结论",
  verdicts: { pass: "合格", fail: "不合格" },
  scores: "质检评分",
  override: "人工放行",
  overrideText: (by: string, reason: string) => `${by}：${reason}`,
  sha256: "SHA-256",
  file: "文件",
  thumbnailUnavailable: "缩略图无法解码",
  sectionChat: "聊天记录",
  noChat: "无聊天消息。",
  from: "发送人",
  message: "内容",
  sectionRecordings: "录音录像",
  noRecordings: "无录制文件。",
  participant: "参与人",
  kind: "类型",
  kinds: { audio: "音频", video: "视频" },
  codec: "编码",
  duration: "时长",
  size: "大小",
  sectionContinuity: "录制连续性",
  continuous: "本文件无暂停、无中断。",
  started: "开始",
  stopped: "结束",
  paused: "暂停",
  resumed: "恢复",
  gap: "中断",
  pausesTotal: "暂停总时长",
  gapsTotal: "中断总时长",
  issues: "发现的问题",
  causes: {
    rejoin: "参与者重新加入",
    replaced: "参与者更换了摄像头或麦克风",
    "muxer-restart": "录制进程已重启",
    "packet-loss": "传入途中丢包",
    "producer-closed": "参与者停止发送",
    removed: "本轨道的录制已停止",
    "recorder-closed": "录制结束",
    error: "录制出错",
    "server-crash": "服务器意外停止",
    network: "参与者网络中断",
    "log-without-start": "连续性日志缺少开始记录；按录制开始时间计",
  } as Record<string, string>,
  lostPackets: (n: number) => `丢失 ${n} 个数据包`,
  afterGap: (d: string) => `此前中断 ${d}`,
  continuityIssue: (i: ContinuityIssue, when: (iso: string) => string, duration: (ms: number) => string): string => {
    switch (i.code) {
      case "entry-after-stop":
        return `停止之后仍有${zhEntry(i.entry)}记录（${when(i.at)}）`;
      case "second-start":
        return `第二次开始（${when(i.at)}）`;
      case "pause-while-paused":
        return `已暂停时再次暂停（${when(i.at)}）`;
      case "resume-without-pause":
        return `未暂停却有恢复（${when(i.at)}）`;
      case "never-resumed":
        return `${when(i.at)} 暂停后未恢复`;
      case "no-stop":
        return "没有停止记录（录制可能被中断）";
      case "duration-differs":
        return `文件时长 ${duration(i.fileMs)}，与墙上时钟 ${duration(i.wallMs)} 不符`;
    }
  },
  sectionRetention: "保存期限",
  policyPeriod: "保险期间",
  disputeClosed: "争议结案日期",
  destroyAfter: "保存至（含当日）",
  rule: "适用规则",
  legalHold: "法律保全",
  yes: "是",
  no: "否",
  sectionSignature: "电子签名",
  signatureNote:
    "本 PDF 文件带有覆盖全文的 PAdES 电子签名。证据包的清单、事件日志及全部媒体文件由另行签名的清单保护。" +
    "离线校验命令：npx claims-survey verify <证据包>",
  page: (n: number, total: number) => `第 ${n} 页，共 ${total} 页`,
  claimTypes: {
    motor_collision: "车险 – 碰撞",
    motor_theft: "车险 – 盗抢",
    motor_glass: "车险 – 玻璃",
    motor_other: "车险 – 其他",
    property: "财产险",
  },
  actorRoles: { api: "理赔系统（接口）", system: "系统", auditor: "审计员", admin: "管理员" },
  identification: {
    smsInvite: (mobile: string) => `短信邀请链接（发送至 ${mobile}）`,
    inviteLink: "邀请链接",
    staffLogin: (email: string) => `员工账号登录（${email}）`,
    unknownAccount: "（未知账号）",
    notInCall: "未加入通话",
  },
  events: {
    "survey.created": "创建查勘",
    "survey.opened": "查勘开始",
    "survey.closed": "查勘结束",
    "invite.created": "生成邀请链接",
    "invite.revoked": "撤回邀请链接",
    "sms.queued": "发送短信",
    "participant.joined": "加入",
    "participant.left": "离开",
    "media.track.started": "音视频开始",
    "media.track.paused": "音视频暂停",
    "media.track.resumed": "音视频恢复",
    "media.track.stopped": "音视频停止",
    "chat.message": "聊天消息",
    "recording.consent": "录制授权",
    "recording.started": "开始录制",
    "recording.failed": "录制失败",
    "recording.track.started": "音视频轨开始录制",
    "recording.track.finalised": "音视频轨录制完成",
    "recording.finalised": "录制完成",
    "guide.pushed": "发送拍摄指引",
    "capture.requested": "请求拍照",
    "capture.assessed": "照片质检",
    "capture.overridden": "照片人工采用",
    "capture.provisional": "照片快速质检（压缩副本）",
    "evidence.building": "开始生成证据包",
    "evidence.ready": "证据包已生成",
    "evidence.failed": "证据包生成失败",
    "evidence.purged": "证据包已销毁",
  },
  otherEvent: "其他事件",
  detail: {
    claim: (n: string) => `报案号 ${n}`,
    linkFor: (role: string) => `${role}链接`,
    sentTo: (to: string) => `发送至 ${to}`,
    validUntil: (at: string) => `有效期至 ${at}`,
    rejoined: "重新加入",
    leftBecause: { disconnected: "连接断开", left: "主动离开", withdrawn: "链接已撤回", ended: "查勘结束" },
    closedBecause: { ended_by_agent: "由理赔坐席结束" },
    otherReason: "其他原因",
    noticeVersion: (v: string) => `告知版本 ${v}`,
    startedBecause: { consent: "投保人同意后开始", "consent-on-record": "已有同意记录" },
    failedBecause: { DISK_FULL: "磁盘已满", CONSUME_FAILED: "无法接收音视频轨" },
    otherFailure: "录制出错",
    tracks: (n: number) => `${n} 条音视频轨`,
    reasons: "原因",
    restarted: "中断后重新开始",
    files: (n: number) => `${n} 个文件`,
    disagrees: "与压缩副本的快速质检结果不同",
  },
  scoreNames: {
    motion_blur: "抖动模糊",
    defocus: "未对焦",
    underexposure: "过暗",
    overexposure: "过亮",
    glare: "反光",
    noise: "噪点",
    obstruction: "遮挡",
    low_quality: "质量不足",
  },
  retentionRule: (r: RetentionBasis) =>
    r.rule === "short-policy"
      ? `保险期间不超过 ${r.maxYears} 年：保单止期 ${r.from} 起 ${r.years} 年`
      : r.rule === "long-policy"
        ? `保险期间超过 ${r.maxYears} 年：保单止期 ${r.from} 起 ${r.years} 年`
        : r.rule === "dispute"
          ? `争议结案日期 ${r.from} 起 ${r.years} 年（晚于保单规则）`
          : `未登记保险期间：自查勘结束日 ${r.from} 起 ${r.years} 年（保守做法：按最长的保单规则，从查勘日起算）`,
};

export type ReportStrings = typeof en;

export function reportStrings(locale: ReportLocale): ReportStrings {
  return locale === "zh-CN" ? zh : en;
}
