// A closed survey in the database as a loaded server leaves it: cameras and
// microphones on the timeline (media.track.*), the policyholder's audio muxer
// died 12 s after consent (a failed Recording row with the file it wrote, a
// recording.track.failed event) and came back in a new file 125 s after
// consent, and the agent's camera was never recorded (only failure events, no
// row). Times are fixed offsets from the consent, so the expected holes are
// exact.
import { createHash } from "node:crypto";
import type { Db } from "../../server/db/client";
import { createClaimAndSurvey, markSurveyOpen } from "../../server/domain/surveys";
import { resolveInvite } from "../../server/domain/invites";
import { participantForInvite, participantForStaff } from "../../server/domain/participants";
import { RECORDING_NOTICE_VERSION } from "../../server/domain/recording-notice";
import { OutboxSmsSender } from "../../server/sms/outbox-sms-sender";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { claimRequest } from "../support/claim-fixtures";
import { ensureAccounts } from "./closed-survey";

/** Seconds after T0; consent is at 10 s, so offsets in the report are these minus 10. */
export interface RecordedSurvey {
  surveyId: string;
  holderId: string;
  agentId: string;
  t0: number;
  at: (s: number) => Date;
}

export async function recordedSurveyWithHoles(db: Db, storage: RecordingStorage): Promise<RecordedSurvey> {
  const agent = await ensureAccounts(db);
  const created = await createClaimAndSurvey(
    { db, sms: new OutboxSmsSender(db), invites: { publicUrl: "https://survey.example.com", ttlHours: 48 } },
    { request: claimRequest(), agentId: agent.id, actor: { id: agent.id, role: "agent" } },
  );
  const { surveyId } = created;
  await markSurveyOpen(db, surveyId);
  const holder = await participantForInvite(db, await resolveInvite(db, created.invites.policyholder.token));
  const staff = await participantForStaff(db, surveyId, agent);
  // Ten minutes ago, so the whole survey (200 s) lies in the past.
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
  const at = (s: number) => new Date(t0 + s * 1000);
  const H = holder.participantId;
  const A = staff.participantId;

  let seq = (await db.surveyEvent.findFirst({ where: { surveyId }, orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0;
  const event = (s: number, type: string, actorId: string | null, payload: Record<string, unknown>) =>
    db.surveyEvent.create({
      data: { surveyId, seq: ++seq, at: at(s), type, actorId, actorRole: actorId === H ? "policyholder" : actorId === A ? "agent" : null, payload: JSON.stringify(payload) },
    });

  await db.participant.update({ where: { id: A }, data: { firstJoinAt: at(1), lastJoinAt: at(1), leftAt: at(200) } });
  await db.participant.update({ where: { id: H }, data: { firstJoinAt: at(3), lastJoinAt: at(3), leftAt: at(200) } });
  await event(1, "participant.joined", A, { rejoin: false });
  await event(2, "media.track.started", A, { producerId: "ag-a", kind: "audio", source: "mic" });
  await event(2, "media.track.started", A, { producerId: "ag-v", kind: "video", source: "camera" });
  await event(3, "participant.joined", H, { rejoin: false });
  await event(5, "media.track.started", H, { producerId: "ph-a", kind: "audio", source: "mic" });
  await event(5, "media.track.started", H, { producerId: "ph-v", kind: "video", source: "camera" });
  await db.survey.update({ where: { id: surveyId }, data: { recordingConsent: "granted", recordingConsentAt: at(10) } });
  await event(10, "recording.consent", H, { accepted: true, noticeVersion: RECORDING_NOTICE_VERSION, at: at(10).toISOString() });
  await event(10, "recording.started", null, { why: "consent" });
  await event(10.5, "recording.track.failed", null, { producerId: "ag-v", kind: "video", code: "MUXER_START_FAILED", errorId: "ERR-AV-1", attempt: 1, willRetry: true });
  await event(22, "recording.track.failed", null, { producerId: "ph-a", kind: "audio", code: "MUXER_DIED", errorId: "ERR-PA-1", attempt: 1, willRetry: true });
  await event(60, "recording.track.failed", null, { producerId: "ag-v", kind: "video", code: "MUXER_START_FAILED", errorId: "ERR-AV-2", attempt: 2, willRetry: true });
  await event(135, "recording.track.recovered", null, { producerId: "ph-a", kind: "audio", trackId: `${H}-audio-2`, gapFrom: at(22).toISOString(), gapTo: at(135).toISOString() });
  await event(200, "survey.closed", A, { reason: "ended_by_agent" });
  await event(200, "participant.left", H, { reason: "survey-closed" });
  await event(200, "participant.left", A, { reason: "survey-closed" });
  await db.survey.update({ where: { id: surveyId }, data: { status: "closed", openedAt: at(0), closedAt: at(200) } });

  const entry = (type: string, s: number, extra: Record<string, unknown> = {}) => ({ v: 1, type, at: at(s).toISOString(), trackId: "t", rtpTimestamp: null, mediaTimeMs: null, ...extra });
  const recording = async (id: string, participantId: string, kind: "audio" | "video", status: "finalised" | "failed", from: number, to: number, continuity: object[]) => {
    const key = `${surveyId}/${id}.webm`;
    const bytes = Buffer.alloc(16 * 1024, id.length);
    const w = await storage.put(key);
    await w.write(bytes);
    await w.close();
    await storage.finalise(key);
    await db.recording.create({
      data: {
        id,
        surveyId,
        participantId,
        role: participantId === H ? "policyholder" : "agent",
        kind,
        codec: kind === "audio" ? "opus" : "vp8",
        storageKey: key,
        startedAt: at(from),
        endedAt: at(to),
        durationMs: (to - from) * 1000,
        byteSize: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        status,
        continuity: JSON.stringify(continuity),
      },
    });
  };
  // The muxer died at 22 s: its row failed, its file holds 10.4–22 s.
  await recording(`${H}-audio-1`, H, "audio", "failed", 10.4, 22, [entry("start", 10.4, { producerId: "ph-a" }), entry("stop", 22, { cause: "error" })]);
  // A new file for the same producer, opening with the restart's gap (a cause this mapping may not know yet).
  await recording(`${H}-audio-2`, H, "audio", "finalised", 135, 200, [
    entry("gap", 135, { cause: "muxer-restart", gapMs: 113_000, previousFile: `${surveyId}/${H}-audio-1.webm` }),
    entry("start", 135, { producerId: "ph-a" }),
    entry("stop", 200, { cause: "recorder-closed" }),
  ]);
  await recording(`${H}-video-1`, H, "video", "finalised", 10.5, 200, [entry("start", 10.5), entry("stop", 200, { cause: "recorder-closed" })]);
  await recording(`${A}-audio-1`, A, "audio", "finalised", 10.3, 200, [entry("start", 10.3), entry("stop", 200, { cause: "recorder-closed" })]);
  return { surveyId, holderId: H, agentId: A, t0, at };
}
