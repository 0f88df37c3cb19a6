// A closed survey written through the domain functions the product uses
// (claim, invites, participants, timeline), with a real photo, a thumbnail and
// a recording file in real local storage, for building packages without media
// servers or browsers.
import { mkdtempSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { createHash } from "node:crypto";
import type { Db } from "../../server/db/client";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { createClaimAndSurvey, closeSurvey, markSurveyOpen } from "../../server/domain/surveys";
import { resolveInvite } from "../../server/domain/invites";
import { participantForInvite, participantForStaff, recordJoin } from "../../server/domain/participants";
import { appendSurveyEvent } from "../../server/domain/survey-events";
import { RECORDING_NOTICE_VERSION } from "../../server/domain/recording-notice";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import { createStorage } from "../../media/recording/storage/create-storage";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { claimRequest } from "../support/claim-fixtures";

export const PHOTO = path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg");
export const MODEL_SHA = "ab".repeat(32);

export interface Workspace {
  dataDir: string;
  storage: RecordingStorage;
  remove(): Promise<void>;
}

export function workspace(): Workspace {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cs-evidence-int-"));
  return {
    dataDir,
    storage: createStorage({ kind: "local", root: path.join(dataDir, "media") }),
    remove: () => fs.rm(dataDir, { recursive: true, force: true }),
  };
}

export interface ClosedSurveyOptions {
  consent?: "accepted" | "refused" | "none";
  /** The language the phone showed the recording notice in (absent: not recorded, as in older events). */
  noticeLocale?: "zh-CN" | "en";
  policyPeriod?: { start: string; end: string } | null;
  withMedia?: boolean;
  /** Runs while the survey is still open, just before it is closed (e.g. the driver signs the statement). */
  beforeClose?: (s: { surveyId: string; policyholderToken: string; adjusterToken: string }) => Promise<void>;
}

export async function ensureAccounts(db: Db) {
  await seedDemoAccounts(db);
  return db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } });
}

export async function closedSurvey(db: Db, storage: RecordingStorage, o: ClosedSurveyOptions = {}) {
  const agent = await ensureAccounts(db);
  const period = o.policyPeriod === undefined ? { start: "2026-01-01", end: "2026-12-31" } : o.policyPeriod;
  const created = await createClaimAndSurvey(
    { db, sms: new OutboxSmsSender(db), invites: { publicUrl: "https://survey.example.com", ttlHours: 48 } },
    {
      request: claimRequest(period ? { policyStart: new Date(`${period.start}T00:00:00Z`), policyEnd: new Date(`${period.end}T00:00:00Z`) } : {}),
      agentId: agent.id,
      actor: { id: agent.id, role: "agent" },
    },
  );
  const { surveyId } = created;
  await markSurveyOpen(db, surveyId);
  const holder = await participantForInvite(db, await resolveInvite(db, created.invites.policyholder.token));
  const staff = await participantForStaff(db, surveyId, agent);
  await recordJoin(db, staff, { ua: "test" });
  await recordJoin(db, holder, { ua: "test" });

  const consent = o.consent ?? "accepted";
  if (consent !== "none") {
    const at = new Date();
    await db.survey.update({ where: { id: surveyId }, data: { recordingConsent: consent === "accepted" ? "granted" : "refused", recordingConsentAt: at } });
    await appendSurveyEvent(db, surveyId, {
      type: "recording.consent",
      actorId: holder.participantId,
      actorRole: "policyholder",
      payload: { accepted: consent === "accepted", noticeVersion: RECORDING_NOTICE_VERSION, ...(o.noticeLocale ? { noticeLocale: o.noticeLocale } : {}), at: at.toISOString() },
    });
  }
  await appendSurveyEvent(db, surveyId, { type: "chat.message", actorId: holder.participantId, actorRole: "policyholder", payload: { text: "车在路边，右前灯坏了", displayName: holder.displayName } });

  let captureId: string | undefined;
  let recordingId: string | undefined;
  if (o.withMedia !== false) {
    const photo = await fs.readFile(PHOTO);
    const key = `${surveyId}/photo-0001`;
    await writeObject(storage, key, photo);
    await writeObject(storage, `${key}.large.jpg`, await sharp(photo).resize(640).jpeg().toBuffer());
    await writeObject(storage, `${key}.small.jpg`, await sharp(photo).resize(160).jpeg().toBuffer());
    const meta = await sharp(photo).metadata();
    const c = await db.capture.create({
      data: {
        surveyId,
        participantId: holder.participantId,
        itemKey: "vehicle_front",
        idempotencyKey: "photo-0001",
        mediaType: "image/jpeg",
        byteSize: photo.length,
        sha256: createHash("sha256").update(photo).digest("hex"),
        width: meta.width ?? 1,
        height: meta.height ?? 1,
        storageKey: key,
        thumbSmallKey: `${key}.small.jpg`,
        thumbLargeKey: `${key}.large.jpg`,
        capturedAt: new Date(),
        gpsLat: 31.2304,
        gpsLon: 121.4737,
        gpsAccuracy: 12,
        scores: JSON.stringify({ blur: 0.05, glare: 0.1, dark: 0.02 }),
        verdict: "rejected",
        reasons: JSON.stringify([{ code: "GLARE" }]),
        modelSha256: MODEL_SHA,
        overrideById: agent.id,
        overrideReason: "反光不影响判断",
        overrideAt: new Date(),
      },
    });
    captureId = c.id;
    await appendSurveyEvent(db, surveyId, { type: "capture.assessed", actorId: holder.participantId, actorRole: "policyholder", payload: { captureId: c.id, verdict: "rejected" } });

    // Not a playable WebM: the package hashes and links media, it does not decode it.
    const recKey = `${surveyId}/${holder.participantId}-audio-1.webm`;
    await writeObject(storage, recKey, Buffer.alloc(64 * 1024, 7));
    const t0 = Date.now() - 60_000;
    const iso = (ms: number) => new Date(t0 + ms).toISOString();
    const entry = (type: string, ms: number, extra: Record<string, unknown> = {}) => ({ v: 1, type, at: iso(ms), trackId: "t", rtpTimestamp: null, mediaTimeMs: null, ...extra });
    const r = await db.recording.create({
      data: {
        id: `${holder.participantId}-audio-1`,
        surveyId,
        participantId: holder.participantId,
        role: "policyholder",
        kind: "audio",
        codec: "opus",
        storageKey: recKey,
        startedAt: new Date(t0),
        endedAt: new Date(t0 + 50_000),
        durationMs: 50_000,
        byteSize: 64 * 1024,
        status: "finalised",
        continuity: JSON.stringify([entry("start", 0), entry("gap", 20_000, { cause: "packet-loss", gapMs: 2_000, lostPackets: 40 }), entry("stop", 50_000, { cause: "recorder-closed" })]),
      },
    });
    recordingId = r.id;
  }
  await o.beforeClose?.({ surveyId, policyholderToken: created.invites.policyholder.token, adjusterToken: created.invites.adjuster.token });
  // A survey signed in beforeClose ends on its signature; otherwise the agent's reason stands in (statement-end-rule.ts).
  await closeSurvey(db, { surveyId, actor: { id: agent.id, role: "agent" }, withoutStatement: { reason: "driver_left" } });
  return { surveyId, claimNumber: created.claimNumber, agent, holderId: holder.participantId, agentParticipantId: staff.participantId, captureId, recordingId };
}

async function writeObject(storage: RecordingStorage, key: string, bytes: Buffer) {
  const w = await storage.put(key);
  await w.write(bytes);
  await w.close();
  await storage.finalise(key);
}
