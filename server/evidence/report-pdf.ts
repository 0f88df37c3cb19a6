// The human-readable half of the evidence package: one PDF an auditor can read
// without tools, stating what happened in the survey and pointing at the
// hashes of every file, so the PDF and the machine-checkable files agree.
import { PDFDocument, type PDFImage } from "pdf-lib";
import sharp from "sharp";
import { DEFAULT_REPORT_FONTS, embedReportFont, type ReportFonts } from "./cjk-font";
import type { CompletenessReport } from "./completeness-report";
import { summariseContinuity } from "./continuity-report";
import type { Capture, PackageInput, Place } from "./package-input";
import { exifText, findingText, placeText, placeWords, waivedText } from "./report-place";
import { DEFAULT_PLACE_CHECK_MARGINS, photoPlaceFindings, type PlaceCheckMargins } from "./photo-place-check";
import { PdfFlow } from "./pdf-flow-layout";
import { writeCompletenessSection } from "./report-completeness";
import { reportStrings } from "./report-strings";
import { checklistItemName, eventActor, eventDetails, eventName } from "./report-event-text";
import type { RetentionDecision } from "./retention";
import { writeTrustedTimeSection } from "./report-trusted-time";
import type { TrustedTimeRecord } from "./trusted-time";
import { type ReportIdentity, writeIdentitySection } from "./report-identity";

export interface StoredFile {
  /** Path inside the package. */
  path: string;
  sha256: string;
  size: number;
}

export interface ReportModel {
  input: PackageInput;
  packageId: string;
  generatedAt: string;
  signerKeyId: string;
  /** SHA-256 of the signing certificate (DER), the fingerprint an insurer publishes. */
  signerCertificateSha256: string;
  eventLog: { treeSize: number; rootHash: string };
  retention: RetentionDecision;
  /** Computed from the same input by completeness-report.ts; the verifier recomputes it. */
  completeness: CompletenessReport;
  /** Whether a TSA vouches for the event log's time (known before the report is signed). */
  trustedTime: TrustedTimeRecord;
  captureFiles: Record<string, StoredFile>;
  recordingFiles: Record<string, StoredFile>;
  /** Thumbnail bytes by capture id, as stored in the package. */
  thumbnails: Record<string, Buffer>;
  /** The driver's signed statement, as written into the package. */
  statement?: ReportStatement;
  /** The identity step, as written into the package. */
  identity?: ReportIdentity;
}

/** statement/statement.json: what was signed, by whom and when, and who confirmed it. */
export interface StatementRecord {
  format: string;
  surveyId: string;
  locale: "zh-CN" | "en";
  /** The hash the driver signed (from the signed timeline); the text file must hash to it. */
  signedStatementSha256: string;
  signedAt: string;
  signedBy: string;
  text: StoredFile;
  image: StoredFile;
  strokes: StoredFile;
  confirmations: { role: "agent" | "adjuster"; by: string; at: string; statementSha256: string }[];
  /** Where the phone was when the driver signed (absent: not reported). */
  place?: Place;
}

export interface ReportStatement {
  record: StatementRecord;
  text: string;
  imageBytes: Buffer;
}

const PAYLOAD_CHARS = 240;
const THUMB_BOX = 130;

/** Lays out the report; the caller adds the signature and saves. */
export async function composeReport(model: ReportModel, fonts: ReportFonts = DEFAULT_REPORT_FONTS): Promise<PDFDocument> {
  const { input } = model;
  const s = reportStrings(input.locale);
  const zone = input.timeZone ?? (input.locale === "zh-CN" ? "Asia/Shanghai" : "UTC");
  const when = timeFormatter(zone);
  // Staff actions name the account; the report names the person behind it.
  const people = new Map([...input.participants.filter((p) => p.accountId).map((p) => [p.accountId!, p] as const), ...input.participants.map((p) => [p.id, p] as const)]);
  const who = (id: string | null | undefined) => {
    if (!id) return "—";
    const p = people.get(id);
    return p ? `${p.displayName} (${s.roles[p.role] ?? p.role})` : id;
  };
  const eventText = { s, who, when, item: (key: unknown) => checklistItemName(input, key), locale: input.locale };
  const pw = placeWords(input.locale);
  const margins: PlaceCheckMargins = input.placeCheck ? { timeS: input.placeCheck.timeMarginS, distanceM: input.placeCheck.distanceMarginM } : DEFAULT_PLACE_CHECK_MARGINS;

  const doc = await PDFDocument.create();
  doc.setTitle(`${s.title} — ${input.surveyId}`);
  doc.setSubject(input.surveyId);
  doc.setKeywords([`survey:${input.surveyId}`, `claim:${input.claimId}`, `package:${model.packageId}`]);
  doc.setProducer(`claims-survey ${input.softwareVersion}`);
  doc.setCreator("claims-survey evidence package builder");
  doc.setLanguage(input.locale);
  doc.setCreationDate(new Date(model.generatedAt));
  doc.setModificationDate(new Date(model.generatedAt));

  const flow = new PdfFlow(doc, {
    regular: await embedReportFont(doc, fonts.regular),
    bold: await embedReportFont(doc, fonts.bold),
    mono: await embedReportFont(doc, fonts.mono),
  });

  flow.paragraph(s.title, { size: 18, font: flow.fonts.bold });
  flow.paragraph(s.subtitle, { size: 10, grey: true });
  flow.gap(6);

  flow.heading(s.sectionClaim);
  flow.keyValues([
    [s.surveyId, input.surveyId, "mono"],
    [s.claimId, input.claimId],
    [s.policyNumber, input.policyNumber],
    [s.plate, input.plate],
    [s.claimType, s.claimTypes[input.claimType] ?? input.claimType],
    [s.opened, when(input.openedAt)],
    [s.closed, when(input.closedAt)],
    [s.packageId, model.packageId, "mono"],
    [s.generated, when(model.generatedAt)],
    [s.softwareVersion, input.softwareVersion],
    [s.qualityModel, input.qualityModelSha256, "mono"],
    [s.eventCount, String(model.eventLog.treeSize)],
    [s.eventRoot, model.eventLog.rootHash, "mono"],
    ...signerRows(s, model),
  ]);

  writeTrustedTimeSection(flow, model.trustedTime, input.locale, when);

  flow.heading(s.sectionParticipants);
  flow.table(
    [
      { title: s.role, width: 0.16 },
      { title: s.name, width: 0.2 },
      { title: s.identifiedBy, width: 0.38 },
      { title: s.joinedLeft, width: 0.26 },
    ],
    input.participants.map((p) => [
      s.roles[p.role] ?? p.role,
      p.displayName,
      p.identifiedBy,
      [p.joinedAt ? when(p.joinedAt) : "—", p.leftAt ? when(p.leftAt) : "—"].join("\n"),
    ]),
  );

  flow.heading(s.sectionConsent);
  if (input.consents.length === 0) flow.paragraph(s.noConsent);
  for (const c of input.consents) {
    flow.keyValues([
      [s.consentDecision[c.decision] ?? c.decision, when(c.at)],
      [s.consentBy, who(c.participantId)],
      [s.consentReadBy, who(c.readBy)],
      [s.consentStatement, c.statementText],
      [pw.place, placeText(c.place, input.locale, when)],
    ]);
  }

  flow.heading(s.sectionTimeline);
  flow.table(
    [
      { title: s.seq, width: 0.06 },
      { title: s.time, width: 0.2 },
      { title: s.type, width: 0.2 },
      { title: s.actor, width: 0.18 },
      { title: s.details, width: 0.36 },
    ],
    input.events.map((e) => [String(e.seq), when(e.at), eventName(e.type, s), eventActor(e, eventText), clip(eventDetails(e, eventText), s.truncated)]),
    { size: 7 },
  );

  flow.heading(s.sectionCaptures);
  if (input.captures.length === 0) flow.paragraph(s.noCaptures);
  for (const c of input.captures) {
    const image = await thumbnailImage(doc, model.thumbnails[c.id]);
    const stored = model.captureFiles[c.id]!;
    const scores = Object.entries(c.qualityScores)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${s.scoreNames[k] ?? k} ${v.toFixed(2)}`)
      .join(", ");
    const rows: [string, string][] = [
      [s.checklistItem, checklistItemName(input, c.checklistItem)],
      [s.captureId, c.id],
      [s.capturedAt, when(c.capturedAt)],
      [s.capturedBy, who(c.capturedBy)],
      c.place
        ? [pw.place, placeText(c.place, input.locale, when)]
        : [s.gps, c.gps ? `${c.gps.lat.toFixed(6)}, ${c.gps.lon.toFixed(6)}${c.gps.accuracyM !== undefined ? ` (${s.accuracy} ±${c.gps.accuracyM} m)` : ""}` : s.gpsNone],
      ...placeCheckRows(c, input.locale, zone, margins),
      [s.verdict, s.verdicts[c.verdict] ?? c.verdict],
      [s.scores, scores || "—"],
    ];
    if (c.override) rows.push([s.override, s.overrideText(who(c.override.by), c.override.reason) + (c.override.at ? ` (${when(c.override.at)})` : "")]);
    rows.push([s.file, stored.path], [s.sha256, stored.sha256]);
    flow.figure(image, s.thumbnailUnavailable, THUMB_BOX, rows);
  }

  flow.heading(s.sectionChat);
  if (input.chat.length === 0) flow.paragraph(s.noChat);
  else {
    flow.table(
      [
        { title: s.time, width: 0.2 },
        { title: s.from, width: 0.22 },
        { title: s.message, width: 0.58 },
      ],
      input.chat.map((m) => [when(m.at), who(m.from), m.text]),
    );
  }

  flow.heading(s.sectionRecordings);
  if (input.recordings.length === 0) flow.paragraph(s.noRecordings);
  else {
    flow.table(
      [
        { title: s.participant, width: 0.2 },
        { title: `${s.kind} / ${s.codec}`, width: 0.13 },
        { title: s.duration, width: 0.1 },
        { title: s.size, width: 0.1 },
        { title: `${s.file} / ${s.sha256}`, width: 0.47, mono: true },
      ],
      input.recordings.map((r) => {
        const f = model.recordingFiles[r.id]!;
        return [who(r.participantId), `${s.kinds[r.kind] ?? r.kind} / ${r.codec.replace(/^(audio|video)\//, "")}`, duration(r.durationMs), bytes(f.size), `${f.path}\n${f.sha256}`];
      }),
    );
  }

  await writeStatementSection(doc, flow, s, model.statement, { when, who }, { locale: input.locale, events: input.events, place: input.statement?.place });

  await writeIdentitySection(doc, flow, s, model.identity, model, { when, who });

  writeCompletenessSection(flow, model.completeness, input.locale, { when, who });

  flow.heading(s.sectionContinuity);
  for (const r of input.recordings) {
    const summary = summariseContinuity(r);
    flow.paragraph(`${who(r.participantId)} — ${s.kinds[r.kind] ?? r.kind} (${r.id})`, { font: flow.fonts.bold });
    // Causes are worded from their codes; the recorder's English reason is only
    // printed for a cause this report does not know (newer recorder, older report).
    const cause = (code: string | undefined, reason: string | undefined) => (code && s.causes[code]) || reason;
    const startCause = cause(summary.startCause, undefined);
    const startNote = startCause ? ` — ${summary.startGapMs !== undefined ? `${s.afterGap(duration(summary.startGapMs))}: ` : ""}${startCause}` : "";
    const lines = [`${s.started} ${when(summary.startedAt)}${startNote}`];
    for (const i of summary.intervals) {
      const label = i.kind === "pause" ? `${s.paused} → ${s.resumed}` : s.gap;
      const why = [cause(i.cause, i.reason), i.lostPackets !== undefined && i.cause ? s.lostPackets(i.lostPackets) : undefined].filter(Boolean).join("; ");
      lines.push(`${label}: ${when(i.from)} → ${i.to ? when(i.to) : "?"}${i.ms !== null ? ` (${duration(i.ms)})` : ""}${why ? ` — ${why}` : ""}`);
    }
    const stopWhy = cause(summary.stopCause, undefined);
    lines.push(`${s.stopped} ${summary.stoppedAt ? when(summary.stoppedAt) : "?"}${stopWhy ? ` — ${stopWhy}` : ""}`);
    if (summary.continuous) lines.push(s.continuous);
    else lines.push(`${s.pausesTotal}: ${duration(summary.pausedMs)}; ${s.gapsTotal}: ${duration(summary.gapMs)}`);
    for (const issue of summary.issues) lines.push(`${s.issues}: ${s.continuityIssue(issue, when, duration)}`);
    for (const line of lines) flow.paragraph(line, { indent: 12, size: 8 });
    flow.gap(4);
  }

  flow.heading(s.sectionRetention);
  flow.keyValues([
    [s.policyPeriod, input.retention.policyStart ? `${input.retention.policyStart} — ${input.retention.policyEnd}` : s.policyPeriodUnknown],
    [s.disputeClosed, input.retention.disputeClosedOn ?? "—"],
    [s.destroyAfter, model.retention.retainUntil],
    [s.rule, s.retentionRule(model.retention.basis)],
    [s.legalHold, model.retention.legalHold ? s.yes : s.no],
  ]);

  flow.heading(s.sectionSignature);
  flow.paragraph(s.signatureNote, { size: 8 });

  flow.footer(s.page, `${input.surveyId} · ${model.packageId}`);
  return doc;
}

/**
 * The driver's statement: the signature image beside who signed, when, and the
 * hashes (the statement as signed, the image, the strokes), each confirmation,
 * then the full text as signed.
 */
async function writeStatementSection(
  doc: PDFDocument,
  flow: PdfFlow,
  s: ReturnType<typeof reportStrings>,
  statement: ReportStatement | undefined,
  fmt: { when: (iso: string) => string; who: (id: string | null | undefined) => string },
  place: { locale: "zh-CN" | "en"; events: PackageInput["events"]; place: Place | undefined },
) {
  flow.heading(s.sectionStatement);
  // Ended without it: the agent's reason, as the signed timeline records it.
  const waived = place.events.filter((e) => e.type === "statement.waived").at(-1);
  if (!statement) {
    flow.paragraph(s.noStatement);
    if (waived) flow.paragraph(waivedText(waived.payload, place.locale), { font: flow.fonts.bold });
    return;
  }
  const r = statement.record;
  let image: PDFImage | null = null;
  try {
    image = await doc.embedPng(statement.imageBytes);
  } catch {
    image = null;
  }
  const confirmation = (role: "agent" | "adjuster") => {
    const c = r.confirmations.filter((x) => x.role === role).at(-1);
    return c ? `${fmt.who(c.by)} · ${fmt.when(c.at)}` : s.statementNotConfirmed;
  };
  flow.figure(image, s.signatureUnavailable, 170, [
    [s.statementSignedBy, fmt.who(r.signedBy)],
    [s.statementSignedAt, fmt.when(r.signedAt)],
    [placeWords(place.locale).place, placeText(place.place, place.locale, fmt.when)],
    [s.statementConfirmedBy(s.roles.agent!), confirmation("agent")],
    [s.statementConfirmedBy(s.roles.adjuster!), confirmation("adjuster")],
    [s.statementFile, [r.text.path, r.image.path, r.strokes.path].join("\n")],
  ]);
  // Full width, in the mono font, so each hash stays on one line and can be searched for.
  flow.keyValues([
    [s.statementSha256, r.signedStatementSha256, "mono"],
    [s.signatureImageSha256, r.image.sha256, "mono"],
    [s.signatureStrokes, r.strokes.sha256, "mono"],
  ]);
  flow.paragraph(s.statementText, { font: flow.fonts.bold });
  for (const line of statement.text.replace(/\n$/, "").split("\n")) flow.paragraph(line || " ", { size: 8, indent: 12 });
}

/**
 * The camera's own record of a photo and whether it agrees with the capture:
 * a row with the EXIF time and position, then a flagged row for each
 * disagreement beyond the margins (or the check's all-clear).
 */
function placeCheckRows(c: Capture, locale: "zh-CN" | "en", zone: string, margins: PlaceCheckMargins): [string, string][] {
  const w = placeWords(locale);
  const exif = exifText(c.exif, locale, zone);
  if (!exif) return [[w.check, w.checkNone]];
  const fix = c.place?.status === "fix" ? c.place : c.gps ?? null;
  const findings = photoPlaceFindings({ capturedAt: c.capturedAt, fix, exif: c.exif }, margins, zone);
  return [[w.exif, exif], ...(findings.length ? findings.map((f): [string, string] => [w.check, findingText(f, locale, margins)]) : [[w.check, w.checkOk(margins)] as [string, string]])];
}

/**
 * Who signed: the key id and the certificate's SHA-256, which an auditor
 * compares with the fingerprint the insurer publishes (or pins with
 * `claims-survey verify --trust`); the manifest names the same fingerprint.
 */
function signerRows(s: ReturnType<typeof reportStrings>, model: ReportModel): [string, string, "mono"][] {
  return [
    [s.signerKey, model.signerKeyId, "mono"],
    [s.signerCertificate, model.signerCertificateSha256, "mono"],
  ];
}

async function thumbnailImage(doc: PDFDocument, bytes: Buffer | undefined): Promise<PDFImage | null> {
  if (!bytes) return null;
  try {
    // Normalised to a small JPEG: pdf-lib embeds only JPEG/PNG, and the
    // package keeps the original thumbnail file untouched anyway.
    const jpeg = await sharp(bytes).rotate().resize(360, 360, { fit: "inside", withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    return await doc.embedJpg(jpeg);
  } catch {
    return null;
  }
}

function timeFormatter(timeZone: string) {
  const fmt = new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
  const offset = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "shortOffset" });
  return (iso: string) => {
    const d = new Date(iso);
    const zoneName = offset.formatToParts(d).find((p) => p.type === "timeZoneName")?.value ?? timeZone;
    return `${fmt.format(d)} ${zoneName.replace("GMT", "UTC")}`;
  };
}

/** A long chat message or reason is cut in the table; events.jsonl keeps all of it. */
function clip(text: string, truncatedNote: string): string {
  return text.length <= PAYLOAD_CHARS ? text : text.slice(0, PAYLOAD_CHARS) + truncatedNote;
}

function duration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  const mmss = `${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
