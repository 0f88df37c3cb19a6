// Guided capture: guides pushed to the phone, and every uploaded photo kept
// untouched with its hash, judged by the quality model, stored with its
// thumbnails, written to the timeline and announced to everyone in the call.
// Uploads are idempotent: a retried upload returns the first result.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { appendSurveyEvent } from "../domain/survey-events";
import { surveyChecklist } from "../domain/checklists";
import { DomainError } from "../domain/errors";
import type { ParticipantIdentity } from "../domain/participants";
import type { CaptureWire, GuideWire, PendingPhotoWire, ProvisionalCaptureWire } from "../signalling/protocol";
import { OriginalUploads } from "./original-uploads";
import type { PlaceRecord } from "../domain/place-report";
import { identityItem } from "../identity/identity-items";
import type { PhotoGate } from "./photo-gate";
import type { RoomRegistry } from "../../media/room-registry";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";

export interface CaptureUpload {
  who: ParticipantIdentity;
  itemKey: string;
  idempotencyKey: string;
  capturedAt: Date | null;
  /** The phone's own position when the photo was taken (not the EXIF's), or why there is none; null when not reported. */
  place: PlaceRecord | null;
  bytes: Buffer;
}

type CaptureRow = Awaited<ReturnType<Db["capture"]["findFirstOrThrow"]>>;
type ProvisionalRow = Awaited<ReturnType<Db["captureProvisional"]["findFirstOrThrow"]>>;

const extension = { jpeg: "jpg", png: "png", webp: "webp" } as const;

export function captureWire(c: CaptureRow, p: ProvisionalRow | null = null): CaptureWire {
  return {
    id: c.id,
    itemKey: c.itemKey,
    verdict: c.overrideAt ? "accepted" : (c.verdict as CaptureWire["verdict"]),
    overridden: Boolean(c.overrideAt),
    reasons: JSON.parse(c.reasons),
    scores: JSON.parse(c.scores),
    thumbUrl: `/api/captures/${c.id}/thumb`,
    capturedAt: c.capturedAt?.toISOString() ?? null,
    participantId: c.participantId,
    key: c.idempotencyKey,
    sha256: c.sha256,
    provisional: p && { verdict: p.verdict as CaptureWire["verdict"], sha256: p.sha256, reasons: JSON.parse(p.reasons) },
    disagrees: Boolean(p && p.verdict !== c.verdict),
  };
}

export function provisionalWire(p: ProvisionalRow): ProvisionalCaptureWire {
  return { key: p.idempotencyKey, itemKey: p.itemKey, verdict: p.verdict as ProvisionalCaptureWire["verdict"], reasons: JSON.parse(p.reasons), sha256: p.sha256, participantId: p.participantId };
}

export class CaptureService {
  private readonly inflight = new Map<string, Promise<CaptureRow>>();
  /** The resumable uploads of originals (tus), kept in `originalsDir` until committed or swept. */
  readonly originals: OriginalUploads;

  constructor(
    private readonly db: Db,
    private readonly storage: RecordingStorage,
    private readonly gate: PhotoGate,
    private readonly rooms: RoomRegistry,
    private readonly log: Logger,
    originalsDir: string,
  ) {
    this.originals = new OriginalUploads(originalsDir, (u) => this.announceProgress(u.surveyId, { key: u.meta.key, itemKey: u.meta.item, received: u.offset, total: u.size }));
  }

  async guideFor(surveyId: string, itemKey: string): Promise<GuideWire> {
    const survey = await this.db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: { select: { claimType: true } } } });
    // The identity step's shots stand beside every checklist, with the camera each needs.
    const identity = identityItem(itemKey);
    const item = identity ?? (await surveyChecklist(this.db, survey)).find((i) => i.key === itemKey);
    if (!item) throw new DomainError("NOT_FOUND", `no checklist item "${itemKey}" for this claim type`);
    await appendSurveyEvent(this.db, surveyId, { type: "guide.pushed", payload: { itemKey } });
    // Checklist shots are of the car or the scene: the rear camera (back to it after the identity step's face).
    return { itemKey, label: item.label, instruction: item.instruction, overlay: item.overlay, facing: identity?.facing ?? "environment" };
  }

  /** Stores and judges one upload; the same idempotency key yields the same capture. */
  async ingest(upload: CaptureUpload): Promise<{ capture: CaptureWire; duplicate: boolean }> {
    const { surveyId } = upload.who;
    const existing = await this.db.capture.findUnique({ where: { surveyId_idempotencyKey: { surveyId, idempotencyKey: upload.idempotencyKey } } });
    if (existing) return { capture: await this.wire(existing), duplicate: true };
    const key = `${surveyId}/${upload.idempotencyKey}`;
    let pending = this.inflight.get(key);
    const duplicate = Boolean(pending);
    if (!pending) {
      pending = this.process(upload).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return { capture: await this.wire(await pending), duplicate };
  }

  /** The photo stored under this key, if its original has arrived. */
  async byKey(surveyId: string, idempotencyKey: string): Promise<CaptureWire | null> {
    const row = await this.db.capture.findUnique({ where: { surveyId_idempotencyKey: { surveyId, idempotencyKey } } });
    return row && this.wire(row);
  }

  /** The original's wire with the compact copy's verdict beside it. */
  private async wire(row: CaptureRow): Promise<CaptureWire> {
    const p = await this.db.captureProvisional.findUnique({ where: { surveyId_idempotencyKey: { surveyId: row.surveyId, idempotencyKey: row.idempotencyKey } } });
    return captureWire(row, p);
  }

  /**
   * Judges the compact copy a phone sends before the original, for a verdict
   * in about a second on a slow uplink. Provisional: the original's verdict
   * (ingest) is the one that counts; both stay on record with their hashes.
   */
  async judgeProvisional(upload: CaptureUpload): Promise<{ provisional: ProvisionalCaptureWire; duplicate: boolean }> {
    const { surveyId } = upload.who;
    const where = { surveyId_idempotencyKey: { surveyId, idempotencyKey: upload.idempotencyKey } };
    const existing = await this.db.captureProvisional.findUnique({ where });
    if (existing) return { provisional: provisionalWire(existing), duplicate: true };
    await this.checkItem(surveyId, upload.itemKey);
    const image = await this.gate.validate(upload.bytes);
    const assessment = await this.gate.assess(upload.bytes);
    const sha256 = createHash("sha256").update(upload.bytes).digest("hex");
    // Kept so the hash on record can be checked against the bytes it names.
    const stored = await this.put(`${surveyId}/photos/${safeKey(upload.idempotencyKey)}.provisional.${extension[image.format]}`, upload.bytes);
    let row: ProvisionalRow;
    try {
      row = await this.db.captureProvisional.create({
        data: {
          surveyId,
          participantId: upload.who.participantId,
          itemKey: upload.itemKey,
          idempotencyKey: upload.idempotencyKey,
          mediaType: `image/${image.format}`,
          byteSize: upload.bytes.length,
          sha256,
          width: image.width,
          height: image.height,
          storageKey: stored.key,
          scores: JSON.stringify(assessment.scores),
          verdict: assessment.verdict,
          reasons: JSON.stringify(assessment.reasons),
          modelSha256: assessment.modelSha256,
        },
      });
    } catch (err) {
      // Two retries of the same copy at once: the first row stands.
      const raced = await this.db.captureProvisional.findUnique({ where });
      if (!raced) throw err;
      return { provisional: provisionalWire(raced), duplicate: true };
    }
    await appendSurveyEvent(this.db, surveyId, {
      type: "capture.provisional",
      actorId: upload.who.participantId,
      actorRole: upload.who.role,
      payload: { itemKey: row.itemKey, key: row.idempotencyKey, sha256, byteSize: row.byteSize, verdict: row.verdict, scores: assessment.scores, reasons: assessment.reasons.map((r) => r.code), modelSha256: row.modelSha256 },
    });
    const wire = provisionalWire(row);
    this.rooms.get(surveyId)?.broadcast(null, "captureProvisional", { provisional: wire });
    // The original got there first (a reload resent the copy late): show both verdicts together now.
    const original = await this.db.capture.findUnique({ where });
    if (original) this.announce(original, row);
    return { provisional: wire, duplicate: false };
  }

  /** How much of a photo's original the server holds, for "photo waiting to upload (x%)". */
  announceProgress(surveyId: string, progress: { key: string; itemKey: string; received: number; total: number }) {
    this.rooms.get(surveyId)?.broadcast(null, "captureUploadProgress", progress);
  }

  private async checkItem(surveyId: string, itemKey: string) {
    const survey = await this.db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: { select: { claimType: true } } } });
    if (survey.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has ended.");
    const items = await surveyChecklist(this.db, survey);
    if (!identityItem(itemKey) && !items.some((i) => i.key === itemKey)) throw new DomainError("BAD_REQUEST", `no checklist item "${itemKey}" for this claim type`);
  }

  private async process(u: CaptureUpload): Promise<CaptureRow> {
    await this.checkItem(u.who.surveyId, u.itemKey);

    const image = await this.gate.validate(u.bytes);
    const [assessment, meta, thumbs] = await Promise.all([this.gate.assess(u.bytes), this.gate.metadata(u.bytes), this.gate.thumbnails(u.bytes)]);
    const sha256 = createHash("sha256").update(u.bytes).digest("hex");

    // Original bytes exactly as received; thumbnails beside them.
    const base = `${u.who.surveyId}/photos/${safeKey(u.idempotencyKey)}`;
    const original = await this.put(`${base}.${extension[image.format]}`, u.bytes);
    if (original.sha256 && original.sha256 !== sha256) throw new Error("stored photo does not hash to the uploaded bytes");
    const small = await this.put(`${base}.thumb-320.jpg`, thumbs.small);
    const large = await this.put(`${base}.thumb-1024.jpg`, thumbs.large);

    // The phone's fix only: the EXIF's own GPS stays in `exif`, so the report can set one against the other.
    const gps = u.place?.status === "fix" ? u.place : null;
    const row = await this.db.capture.create({
      data: {
        surveyId: u.who.surveyId,
        participantId: u.who.participantId,
        itemKey: u.itemKey,
        idempotencyKey: u.idempotencyKey,
        mediaType: `image/${image.format}`,
        byteSize: u.bytes.length,
        sha256,
        width: image.width,
        height: image.height,
        storageKey: original.key,
        thumbSmallKey: small.key,
        thumbLargeKey: large.key,
        capturedAt: u.capturedAt ?? meta.takenAt,
        exif: JSON.stringify(meta.exif),
        gpsLat: gps?.lat ?? null,
        gpsLon: gps?.lon ?? null,
        gpsAccuracy: gps?.accuracyM ?? null,
        gpsAt: gps?.at ? new Date(gps.at) : null,
        placeStatus: u.place?.status ?? null,
        scores: JSON.stringify(assessment.scores),
        verdict: assessment.verdict,
        reasons: JSON.stringify(assessment.reasons),
        modelSha256: assessment.modelSha256,
      },
    });
    const provisional = await this.db.captureProvisional.findUnique({ where: { surveyId_idempotencyKey: { surveyId: u.who.surveyId, idempotencyKey: u.idempotencyKey } } });
    await appendSurveyEvent(this.db, u.who.surveyId, {
      type: "capture.assessed",
      actorId: u.who.participantId,
      actorRole: u.who.role,
      payload: {
        captureId: row.id,
        itemKey: row.itemKey,
        sha256,
        verdict: row.verdict,
        scores: assessment.scores,
        reasons: assessment.reasons.map((r) => r.code),
        modelSha256: row.modelSha256,
        ...(u.place ? { place: u.place } : {}),
        // The compact copy judged first, linked on the timeline the evidence signs.
        ...(provisional ? { provisional: { sha256: provisional.sha256, verdict: provisional.verdict }, disagrees: provisional.verdict !== row.verdict } : {}),
      },
    });
    this.announce(row, provisional);
    return row;
  }

  private async put(key: string, bytes: Buffer) {
    const writer = await this.storage.put(key);
    try {
      await writer.write(bytes);
      await writer.sync();
    } finally {
      await writer.close();
    }
    return this.storage.finalise(key);
  }

  /** The agent accepts a rejected photo anyway; the reason, scores and model hash go on record. */
  async override(args: { captureId: string; surveyId: string; reason: string; userId: string; role: string }) {
    const c = await this.db.capture.findFirst({ where: { id: args.captureId, surveyId: args.surveyId } });
    if (!c) throw new DomainError("NOT_FOUND", "No such photo in this survey.");
    if (c.verdict === "accepted" || c.overrideAt) throw new DomainError("CONFLICT", "This photo is already accepted.");
    const row = await this.db.capture.update({ where: { id: c.id }, data: { overrideById: args.userId, overrideReason: args.reason, overrideAt: new Date() } });
    await appendSurveyEvent(this.db, args.surveyId, {
      type: "capture.overridden",
      actorId: args.userId,
      actorRole: args.role,
      payload: { captureId: c.id, itemKey: c.itemKey, reason: args.reason, scores: JSON.parse(c.scores), modelSha256: c.modelSha256, sha256: c.sha256 },
    });
    const wire = await this.wire(row);
    this.rooms.get(row.surveyId)?.broadcast(null, "captureAssessed", { capture: wire });
    return wire;
  }

  private announce(row: CaptureRow, provisional: ProvisionalRow | null) {
    this.rooms.get(row.surveyId)?.broadcast(null, "captureAssessed", { capture: captureWire(row, provisional) });
  }

  async list(surveyId: string) {
    const [rows, provisionals] = await Promise.all([
      this.db.capture.findMany({ where: { surveyId }, orderBy: { receivedAt: "asc" } }),
      this.db.captureProvisional.findMany({ where: { surveyId } }),
    ]);
    const byKey = new Map(provisionals.map((p) => [p.idempotencyKey, p]));
    return rows.map((r) => captureWire(r, byKey.get(r.idempotencyKey) ?? null));
  }

  /**
   * Photos of a survey whose original has not arrived yet, as the server knows
   * them now: the compact copy's quick verdict (if judged) and how many of the
   * original's bytes it holds. Sent to a page when it joins, so an agent who
   * reloads the console still sees "photo waiting to upload (x%)".
   */
  async pendingUploads(surveyId: string): Promise<PendingPhotoWire[]> {
    const [provisionals, originals, uploads] = await Promise.all([
      this.db.captureProvisional.findMany({ where: { surveyId }, orderBy: { receivedAt: "asc" } }),
      this.db.capture.findMany({ where: { surveyId }, select: { idempotencyKey: true } }),
      this.originals.forSurvey(surveyId),
    ]);
    const arrived = new Set(originals.map((o) => o.idempotencyKey));
    const byKey = new Map<string, PendingPhotoWire>();
    for (const p of provisionals) {
      if (!arrived.has(p.idempotencyKey)) byKey.set(p.idempotencyKey, { key: p.idempotencyKey, itemKey: p.itemKey, provisional: provisionalWire(p), received: 0, total: 0 });
    }
    for (const u of uploads) {
      if (arrived.has(u.meta.key)) continue;
      const known = byKey.get(u.meta.key);
      // A phone that lost its upload's address starts another: the one furthest along is the one that counts.
      if (known && known.received >= u.offset && known.total > 0) continue;
      byKey.set(u.meta.key, { key: u.meta.key, itemKey: u.meta.item, provisional: known?.provisional ?? null, received: u.offset, total: u.size });
    }
    return [...byKey.values()];
  }
}

function safeKey(k: string) {
  return k.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80);
}
