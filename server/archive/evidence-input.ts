// Maps a closed survey, as the database holds it, into the evidence package
// input. Nothing is invented: every fact comes from a row or a timeline event,
// and what is missing (no consent answer, no policy period) is passed on as
// missing so the package states it.
import { promises as fs } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db/client";
import { parseEventPayload } from "../domain/survey-events";
import { recordingNotice } from "../domain/recording-notice";
import { maskMobile } from "../domain/invites";
import { surveyChecklist } from "../domain/checklists";
import { IDENTITY_ITEMS } from "../identity/identity-items";
import { identityForPackage } from "../identity/identity-evidence";
import { latestSignature } from "../domain/statement";
import { reportStrings, type ReportLocale } from "../evidence/report-strings";
import { placeSchema, type PackageInputRaw } from "../evidence/package-input";
import { placeFromColumns } from "../domain/place-report";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { continuityEntrySchema } from "../../media/recording/continuity-log";

// Causes are read as any short word: a recorder newer than this mapping (e.g.
// "muxer-restart") must not lose its gaps from the package.
const storedContinuityEntry = continuityEntrySchema.extend({ cause: z.string().max(64).optional() });

export interface EvidenceInputOptions {
  /** Media files are read from local paths; a remote storage fetches them (the caller releases them after the build). */
  storage: Pick<RecordingStorage, "ensureLocal">;
  softwareVersion: string;
  /** The model loaded by this server; used when the survey has no photo naming one. */
  qualityModelSha256: string;
  now?: () => Date;
  /** How far a photo's EXIF may differ from its capture before the report flags it (PLACE_CHECK_* settings). */
  placeCheck?: { timeMarginS: number; distanceMarginM: number };
}

type PackageParticipant = PackageInputRaw["participants"][number];
type PackageRecording = PackageInputRaw["recordings"][number];
type ContinuityOut = PackageRecording["continuity"][number];

export async function evidenceInputForSurvey(db: Db, surveyId: string, opts: EvidenceInputOptions): Promise<PackageInputRaw> {
  const survey = await db.survey.findUniqueOrThrow({
    where: { id: surveyId },
    include: {
      claim: true,
      agent: { select: { id: true, email: true } },
      participants: { include: { user: { select: { id: true, email: true } }, invite: { select: { sentTo: true } } }, orderBy: { createdAt: "asc" } },
      events: { orderBy: { seq: "asc" } },
      captures: { orderBy: { receivedAt: "asc" } },
      provisionalCaptures: true,
      recordings: { orderBy: { startedAt: "asc" } },
      evidence: true,
    },
  });
  const locale = survey.locale === "en" ? "en" : "zh-CN";
  const closedAt = survey.closedAt ?? (opts.now ?? (() => new Date()))();

  const words = reportStrings(locale);
  const participants: PackageParticipant[] = survey.participants.map((p) => ({
    id: p.id,
    role: p.role as PackageParticipant["role"],
    displayName: p.displayName || words.roles[p.role] || p.role,
    identifiedBy: identificationText(identifiedBy(p.role, p.user?.email, p.invite?.sentTo ?? (p.role === "policyholder" ? survey.claim.policyholderMobile : null)), locale),
    joinedAt: p.firstJoinAt ?? undefined,
    // Ending the survey ends everyone's call: whoever was still in it left when it closed
    // (their disconnect may be written a moment after the package is built).
    leftAt: p.leftAt && (!p.lastJoinAt || p.leftAt >= p.lastJoinAt) ? p.leftAt : p.firstJoinAt ? closedAt : undefined,
    ...(p.userId ? { accountId: p.userId } : {}),
  }));
  const byUser = new Map(survey.participants.filter((p) => p.userId).map((p) => [p.userId!, p.id]));

  // Staff who acted (an override, reading the notice) without joining the call
  // are still named, as an agent identified by their login.
  const staffParticipant = async (userId: string): Promise<string> => {
    const known = byUser.get(userId);
    if (known) return known;
    const user = await db.user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true } });
    const id = `staff-${userId}`.slice(0, 128);
    participants.push({
      id,
      role: "agent",
      displayName: user?.name || words.roles.agent!,
      identifiedBy: `${identificationText({ by: "staff-login", email: user?.email ?? null }, locale)} (${words.identification.notInCall})`,
      accountId: userId,
    });
    byUser.set(userId, id);
    return id;
  };
  // Every staff account that acted in the timeline is named in the report.
  const looked = new Set(participants.map((p) => p.id));
  for (const e of survey.events) {
    if (!e.actorId || looked.has(e.actorId) || !e.actorRole || !STAFF_ROLES.has(e.actorRole)) continue;
    looked.add(e.actorId);
    if (await db.user.findUnique({ where: { id: e.actorId }, select: { id: true } })) await staffParticipant(e.actorId);
  }
  const agentParticipant = survey.participants.find((p) => p.role === "agent")?.id ?? (survey.agentId ? await staffParticipant(survey.agentId) : undefined);

  const participantIds = new Set(participants.map((p) => p.id));
  const consents: PackageInputRaw["consents"] = [];
  const chat: PackageInputRaw["chat"] = [];
  for (const e of survey.events) {
    const payload = parseEventPayload(e.payload);
    if (e.type === "recording.consent" && e.actorId && participantIds.has(e.actorId)) {
      const version = typeof payload.noticeVersion === "string" ? payload.noticeVersion : "unknown";
      // Older events lack the shown language: the survey's language stands in.
      const shown = payload.noticeLocale === "en" || payload.noticeLocale === "zh-CN" ? payload.noticeLocale : locale;
      const notice = recordingNotice(version, shown);
      consents.push({
        statementText: notice
          ? `[${version}, ${shown}] ${notice.title}: ${notice.body}`
          : `[${version}] the notice text of this version is not on record`,
        at: typeof payload.at === "string" ? payload.at : e.at,
        decision: payload.accepted === true ? "accepted" : "refused",
        participantId: e.actorId,
        // The agent reads the notice out; without an agent the consenting person read it alone.
        readBy: agentParticipant ?? e.actorId,
        ...placeOf(payload.place),
      });
    }
    if (e.type === "chat.message" && e.actorId && participantIds.has(e.actorId) && typeof payload.text === "string") {
      chat.push({ id: e.id, at: e.at, from: e.actorId, text: payload.text });
    }
  }

  const captures: PackageInputRaw["captures"] = [];
  const provisionalByKey = new Map(survey.provisionalCaptures.map((p) => [p.idempotencyKey, p]));
  for (const c of survey.captures) {
    const scores = parseEventPayload(c.scores);
    const p = provisionalByKey.get(c.idempotencyKey);
    const pScores = p ? parseEventPayload(p.scores) : {};
    captures.push({
      id: c.id,
      checklistItem: c.itemKey,
      originalPath: await opts.storage.ensureLocal(c.storageKey),
      mediaType: c.mediaType,
      capturedAt: c.capturedAt ?? c.receivedAt,
      capturedBy: participantIds.has(c.participantId) ? c.participantId : undefined,
      gps: c.gpsLat != null && c.gpsLon != null ? { lat: c.gpsLat, lon: c.gpsLon, ...(c.gpsAccuracy != null ? { accuracyM: c.gpsAccuracy } : {}) } : undefined,
      ...placeOf(placeFromColumns({ status: c.placeStatus, lat: c.gpsLat, lon: c.gpsLon, accuracy: c.gpsAccuracy, at: c.gpsAt })),
      exif: exifFacts(c.exif),
      qualityScores: Object.fromEntries(Object.entries(scores).filter((kv): kv is [string, number] => typeof kv[1] === "number")),
      verdict: c.verdict === "accepted" ? "pass" : "fail",
      override:
        c.overrideById && c.overrideReason
          ? { by: await staffParticipant(c.overrideById), reason: c.overrideReason, at: c.overrideAt ?? undefined }
          : undefined,
      thumbnailPath: await opts.storage.ensureLocal(c.thumbLargeKey),
      thumbnailMediaType: "image/jpeg",
      provisional: p && {
        sha256: p.sha256,
        byteSize: p.byteSize,
        receivedAt: p.receivedAt,
        verdict: p.verdict === "accepted" ? "pass" : "fail",
        qualityScores: Object.fromEntries(Object.entries(pScores).filter((kv): kv is [string, number] => typeof kv[1] === "number")),
        disagrees: p.verdict !== c.verdict,
      },
    });
  }

  // Finalised recordings, and failed ones that left a file (a muxer that died
  // mid-track): what they hold is on record up to the failure, and the package's
  // completeness counts it. A failed track without a file is told by its
  // recording.track.failed events, which travel with the timeline.
  const recordings: PackageRecording[] = [];
  for (const r of survey.recordings) {
    if ((r.status !== "finalised" && r.status !== "failed") || !r.storageKey) continue;
    const file = r.status === "finalised" ? await opts.storage.ensureLocal(r.storageKey) : await existingLocalFile(opts.storage, r.storageKey);
    if (!file) continue;
    recordings.push({
      id: r.id,
      path: file,
      mediaType: `${r.kind === "audio" ? "audio" : "video"}/${mediaSubtype(r.storageKey)}`,
      participantId: r.participantId,
      kind: r.kind === "audio" ? "audio" : "video",
      codec: r.codec || "unknown",
      durationMs: Math.max(0, Math.round(r.durationMs ?? 0)),
      continuity: mapContinuity(r.continuity, r.startedAt, r.endedAt),
    });
  }

  const statement = await statementForPackage(db, survey.id, survey.events, participantIds, staffParticipant);
  const identity = await identityForPackage(db, survey.id, survey.events, opts.storage, staffParticipant, participantIds);

  return {
    surveyId: survey.id,
    claimId: survey.claim.claimNumber,
    policyNumber: survey.claim.policyNumber,
    plate: survey.claim.plate,
    claimType: survey.claim.claimType,
    locale,
    openedAt: survey.openedAt ?? survey.createdAt,
    closedAt,
    participants,
    consents,
    events: survey.events.map((e) => ({
      seq: e.seq,
      at: e.at,
      type: e.type,
      actorId: e.actorId,
      actorRole: e.actorRole,
      payload: safeJson(e.payload),
    })),
    captures,
    chat,
    recordings,
    checklistLabels: Object.fromEntries([...(await surveyChecklist(db, survey)), ...IDENTITY_ITEMS].map((i) => [i.key, i.label[locale]])),
    retention: retentionFacts(survey.claim, closedAt, survey.evidence),
    ...(opts.placeCheck ? { placeCheck: opts.placeCheck } : {}),
    softwareVersion: opts.softwareVersion,
    qualityModelSha256: survey.captures[0]?.modelSha256 ?? opts.qualityModelSha256,
    ...(statement ? { statement } : {}),
    ...(identity ? { identity } : {}),
  };
}

/**
 * The driver's latest signature with the exact text signed, and the staff and
 * adjuster confirmations of that text that came after it (server/domain/statement.ts).
 */
async function statementForPackage(
  db: Db,
  surveyId: string,
  events: { seq: number; type: string; actorId: string | null; actorRole: string | null; at: Date; payload: string }[],
  participantIds: Set<string>,
  staffParticipant: (userId: string) => Promise<string>,
): Promise<PackageInputRaw["statement"]> {
  const signature = await latestSignature(db, surveyId);
  if (!signature || !participantIds.has(signature.participantId)) return undefined;
  const signedSeq = events.filter((e) => e.type === "statement.signed" && parseEventPayload(e.payload).statementSha256 === signature.statementSha256).at(-1)?.seq ?? 0;
  const confirmations: NonNullable<PackageInputRaw["statement"]>["confirmations"] = [];
  for (const e of events) {
    const p = parseEventPayload(e.payload);
    if (e.type !== "statement.confirmed" || e.seq < signedSeq || p.statementSha256 !== signature.statementSha256 || !e.actorId) continue;
    if (p.role !== "agent" && p.role !== "adjuster") continue;
    const by = participantIds.has(e.actorId) ? e.actorId : await staffParticipant(e.actorId);
    confirmations.push({ role: p.role, by, at: e.at, statementSha256: signature.statementSha256 });
  }
  return {
    text: signature.statementText,
    sha256: signature.statementSha256,
    locale: signature.locale === "en" ? "en" : "zh-CN",
    signedAt: signature.signedAt,
    signedBy: signature.participantId,
    imagePngBase64: Buffer.from(signature.imagePng).toString("base64"),
    strokesJson: signature.strokes,
    confirmations,
    ...placeOf(placeFromColumns({ status: signature.placeStatus, lat: signature.placeLat, lon: signature.placeLon, accuracy: signature.placeAccuracy, at: signature.placeAt })),
  };
}

/** A stored or reported place in the package's shape; nothing when none was reported or it does not parse. */
function placeOf(raw: unknown): { place?: z.input<typeof placeSchema> } {
  if (!raw || typeof raw !== "object") return {};
  const r = raw as Record<string, unknown>;
  const candidate = r.status === "fix" ? { status: "fix", lat: r.lat, lon: r.lon, ...(r.accuracyM != null ? { accuracyM: r.accuracyM } : {}), ...(r.at != null ? { at: r.at } : {}) } : { status: r.status };
  const parsed = placeSchema.safeParse(candidate);
  return parsed.success ? { place: candidate as z.input<typeof placeSchema> } : {};
}

/** The camera's own time and position as read at upload (server/capture/quality-photo-gate.ts keeps them in exif). */
function exifFacts(json: string): { takenAt?: string; gps?: { lat: number; lon: number } } | undefined {
  const e = parseEventPayload(json);
  const takenAt = typeof e.cameraTime === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2})?$/.test(e.cameraTime) ? e.cameraTime : undefined;
  const g = e.gps as { latitude?: unknown; longitude?: unknown } | null | undefined;
  const gps = g && typeof g.latitude === "number" && typeof g.longitude === "number" ? { lat: g.latitude, lon: g.longitude } : undefined;
  return takenAt || gps ? { ...(takenAt ? { takenAt } : {}), ...(gps ? { gps } : {}) } : undefined;
}

/** The facts the retention rules need, from the claim and the package row (hold, dispute). */
export function retentionFacts(
  claim: { policyStart: Date | null; policyEnd: Date | null },
  closedAt: Date,
  evidence: { legalHold: boolean; disputeClosedAt: Date | null } | null,
) {
  const hasPeriod = claim.policyStart != null && claim.policyEnd != null;
  return {
    ...(hasPeriod ? { policyStart: day(claim.policyStart!), policyEnd: day(claim.policyEnd!) } : {}),
    surveyClosedOn: day(closedAt),
    ...(evidence?.disputeClosedAt ? { disputeClosedOn: day(evidence.disputeClosedAt) } : {}),
    legalHold: evidence?.legalHold ?? false,
  };
}

/** How a participant was identified, as facts: each screen and the report word it in their language. */
export type Identification = { by: "sms-invite"; mobile: string } | { by: "invite-link" } | { by: "staff-login"; email: string | null };

export function identifiedBy(role: string, email: string | null | undefined, mobile: string | null | undefined): Identification {
  const masked = mobile ? maskMobile(mobile) : null;
  if (role === "policyholder") return masked ? { by: "sms-invite", mobile: masked } : { by: "invite-link" };
  if (role === "adjuster") return email ? { by: "staff-login", email } : { by: "invite-link" };
  return { by: "staff-login", email: email ?? null };
}

export function identificationText(i: Identification, locale: ReportLocale): string {
  const w = reportStrings(locale).identification;
  if (i.by === "sms-invite") return w.smsInvite(i.mobile);
  if (i.by === "invite-link") return w.inviteLink;
  return w.staffLogin(i.email ?? w.unknownAccount);
}

const STAFF_ROLES = new Set(["agent", "admin", "auditor", "adjuster"]);


/**
 * The recorder's continuity entries in the package's shape. A gap is logged
 * when media comes back, with its length; the package wants the hole's start
 * and end. A file that opens with a gap (a rejoin) starts at its 'start' entry
 * and the gap before it is told in that entry's reason and cause. Entries of types the
 * package does not know are left out.
 */
export function mapContinuity(json: string, startedAt: Date, endedAt: Date | null): ContinuityOut[] {
  const out: ContinuityOut[] = [];
  let leadingGap: { reason: string; cause?: string; gapMs: number } | undefined;
  for (const raw of safeArray(json)) {
    const parsed = storedContinuityEntry.safeParse(raw);
    if (!parsed.success) continue;
    const e = parsed.data;
    // Layer switches change the picture size, not what is covered: the package's log has no such entry.
    if (e.type === "layers") continue;
    if (e.type === "gap") {
      const reason = [e.cause, e.lostPackets != null ? `${e.lostPackets} packets lost` : "", e.previousFile ? `previous file ${e.previousFile}` : ""]
        .filter(Boolean)
        .join("; ");
      if (out.length === 0) {
        leadingGap = { reason: `after a ${Math.round(e.gapMs ?? 0)} ms gap (${reason})`, cause: e.cause, gapMs: Math.max(0, Math.round(e.gapMs ?? 0)) };
        continue;
      }
      const until = Date.parse(e.at);
      const holeFrom = until - (e.gapMs ?? 0);
      // A network hole is logged when media flows again, after the packet loss it caused
      // was noted (RTP sequence numbers jump when the path is back): such loss entries lie
      // inside the hole and are the hole itself. They are taken into it, so the hole keeps
      // its true start and its cause; cutting it at them would count the silence before
      // them as recorded and name the hole "packet-loss".
      let absorbedLoss = 0;
      while (out.length > 1) {
        const last = out[out.length - 1]!;
        if (last.type !== "gap" || last.cause !== "packet-loss" || Date.parse(last.at as string) < holeFrom) break;
        absorbedLoss += last.lostPackets ?? 0;
        out.pop();
      }
      const from = Math.max(holeFrom, Date.parse(out[out.length - 1]!.at as string));
      const lost = (e.lostPackets ?? 0) + absorbedLoss;
      out.push({ type: "gap", at: new Date(from).toISOString(), until: new Date(Math.max(from, until)).toISOString(), reason, ...(e.cause ? { cause: e.cause } : {}), ...(e.lostPackets != null || absorbedLoss > 0 ? { lostPackets: Math.max(0, Math.round(lost)) } : {}) });
      continue;
    }
    const at = out.length ? new Date(Math.max(Date.parse(e.at), Date.parse(out[out.length - 1]!.at as string))).toISOString() : e.at;
    if (e.type === "start" && out.length === 0 && leadingGap) out.push({ type: "start", at, reason: leadingGap.reason, gapMs: leadingGap.gapMs, ...(leadingGap.cause ? { cause: leadingGap.cause } : {}) });
    else out.push({ type: e.type, at, ...(e.cause ? { reason: e.cause, cause: e.cause } : {}) });
  }
  if (out.length === 0 || out[0]!.type !== "start") {
    // No usable log (e.g. a crash before the first line): the row's times are all there is, and the reason says so.
    const first = out.length ? Math.min(startedAt.getTime(), Date.parse(out[0]!.at as string)) : startedAt.getTime();
    out.unshift({ type: "start", at: new Date(first).toISOString(), reason: "continuity log has no start entry; from the recording's start time", cause: "log-without-start" });
    if (endedAt && out.length === 1) out.push({ type: "stop", at: endedAt.toISOString() });
  }
  return out;
}

/** The local file of a failed recording's object, or null when it left none. */
async function existingLocalFile(storage: Pick<RecordingStorage, "ensureLocal">, key: string): Promise<string | null> {
  try {
    const file = await storage.ensureLocal(key);
    const st = await fs.stat(file);
    return st.isFile() && st.size > 0 ? file : null;
  } catch {
    return null;
  }
}

function mediaSubtype(key: string): string {
  const ext = path.extname(key).slice(1).toLowerCase();
  return ext === "mkv" ? "x-matroska" : ext === "mp4" ? "mp4" : ext === "ogg" ? "ogg" : "webm";
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function safeJson(text: string) {
  try {
    return JSON.parse(text) as PackageInputRaw["events"][number]["payload"];
  } catch {
    return text;
  }
}

function safeArray(text: string): unknown[] {
  const v = safeJson(text);
  return Array.isArray(v) ? v : [];
}
