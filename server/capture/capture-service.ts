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
import type { CaptureWire, GuideWire } from "../signalling/protocol";
import type { PhotoGate } from "./photo-gate";
import type { RoomRegistry } from "../../media/room-registry";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";

export interface CaptureUpload {
  who: ParticipantIdentity;
  itemKey: string;
  idempotencyKey: string;
  capturedAt: Date | null;
  gps: { lat: number; lon: number; accuracy: number | null } | null;
  bytes: Buffer;
}

type CaptureRow = Awaited<ReturnType<Db["capture"]["findFirstOrThrow"]>>;

const extension = { jpeg: "jpg", png: "png", webp: "webp" } as const;

export function captureWire(c: CaptureRow): CaptureWire {
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
  };
}

export class CaptureService {
  private readonly inflight = new Map<string, Promise<CaptureRow>>();

  constructor(
    private readonly db: Db,
    private readonly storage: RecordingStorage,
    private readonly gate: PhotoGate,
    private readonly rooms: RoomRegistry,
    private readonly log: Logger,
  ) {}

  async guideFor(surveyId: string, itemKey: string): Promise<GuideWire> {
    const survey = await this.db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: { select: { claimType: true } } } });
    const item = (await surveyChecklist(this.db, survey)).find((i) => i.key === itemKey);
    if (!item) throw new DomainError("NOT_FOUND", `no checklist item "${itemKey}" for this claim type`);
    await appendSurveyEvent(this.db, surveyId, { type: "guide.pushed", payload: { itemKey } });
    return { itemKey, label: item.label, instruction: item.instruction, overlay: item.overlay };
  }

  /** Stores and judges one upload; the same idempotency key yields the same capture. */
  async ingest(upload: CaptureUpload): Promise<{ capture: CaptureWire; duplicate: boolean }> {
    const { surveyId } = upload.who;
    const existing = await this.db.capture.findUnique({ where: { surveyId_idempotencyKey: { surveyId, idempotencyKey: upload.idempotencyKey } } });
    if (existing) return { capture: captureWire(existing), duplicate: true };
    const key = `${surveyId}/${upload.idempotencyKey}`;
    let pending = this.inflight.get(key);
    const duplicate = Boolean(pending);
    if (!pending) {
      pending = this.process(upload).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return { capture: captureWire(await pending), duplicate };
  }

  private async process(u: CaptureUpload): Promise<CaptureRow> {
    const survey = await this.db.survey.findUniqueOrThrow({ where: { id: u.who.surveyId }, include: { claim: { select: { claimType: true } } } });
    if (survey.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has ended.");
    const items = await surveyChecklist(this.db, survey);
    if (!items.some((i) => i.key === u.itemKey)) throw new DomainError("BAD_REQUEST", `no checklist item "${u.itemKey}" for this claim type`);

    const image = await this.gate.validate(u.bytes);
    const [assessment, meta, thumbs] = await Promise.all([this.gate.assess(u.bytes), this.gate.metadata(u.bytes), this.gate.thumbnails(u.bytes)]);
    const sha256 = createHash("sha256").update(u.bytes).digest("hex");

    // Original bytes exactly as received; thumbnails beside them.
    const base = `${u.who.surveyId}/photos/${safeKey(u.idempotencyKey)}`;
    const original = await this.put(`${base}.${extension[image.format]}`, u.bytes);
    if (original.sha256 && original.sha256 !== sha256) throw new Error("stored photo does not hash to the uploaded bytes");
    const small = await this.put(`${base}.thumb-320.jpg`, thumbs.small);
    const large = await this.put(`${base}.thumb-1024.jpg`, thumbs.large);

    const gps = u.gps ?? meta.gps;
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
        gpsAccuracy: gps?.accuracy ?? null,
        scores: JSON.stringify(assessment.scores),
        verdict: assessment.verdict,
        reasons: JSON.stringify(assessment.reasons),
        modelSha256: assessment.modelSha256,
      },
    });
    await appendSurveyEvent(this.db, u.who.surveyId, {
      type: "capture.assessed",
      actorId: u.who.participantId,
      actorRole: u.who.role,
      payload: { captureId: row.id, itemKey: row.itemKey, sha256, verdict: row.verdict, scores: assessment.scores, reasons: assessment.reasons.map((r) => r.code), modelSha256: row.modelSha256 },
    });
    this.announce(row);
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
    this.announce(row);
    return captureWire(row);
  }

  private announce(row: CaptureRow) {
    this.rooms.get(row.surveyId)?.broadcast(null, "captureAssessed", { capture: captureWire(row) });
  }

  async list(surveyId: string) {
    return (await this.db.capture.findMany({ where: { surveyId }, orderBy: { receivedAt: "asc" } })).map(captureWire);
  }
}

function safeKey(k: string) {
  return k.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 80);
}
