// Dual recording (双录) of live surveys: nothing is recorded until the
// policyholder consents; from then on every track of every participant is
// recorded by the room's SurveyRecorder, each state change is in the timeline
// and shown on every screen, and a failure (e.g. a full disk) stops recording
// with an alert to the agent instead of taking the call down.
import type { Logger } from "pino";
import type { Db } from "../db/client";
import type { ParticipantIdentity } from "../domain/participants";
import { appendSurveyEvent } from "../domain/survey-events";
import type { RecordingStateWire } from "../signalling/protocol";
import type { RecordingControl } from "./recording-control";
import type { Room } from "../../media/room";
import type { Peer } from "../../media/peer";
import { SurveyRecorder, type RecordingSummary } from "../../media/recording/survey-recorder";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import type { types } from "mediasoup";

interface Session {
  room: Room;
  recorder: SurveyRecorder | null;
  state: RecordingStateWire;
  finalising: Promise<void> | null;
}

export class SurveyRecordingService implements RecordingControl {
  private readonly sessions = new Map<string, Session>();
  private readonly finalised = new Map<string, Promise<void>>();
  private readonly stored = new Set<string>();

  constructor(private readonly db: Db, private readonly storage: RecordingStorage, private readonly log: Logger) {}

  attachRoom(room: Room) {
    const session: Session = { room, recorder: null, state: { state: "awaiting-consent", since: null, reason: null }, finalising: null };
    this.sessions.set(room.surveyId, session);
    room.on("newproducer", (peer, producer) => void this.record(session, peer, producer));
    room.once("close", () => void this.finalise(room.surveyId));
    // Consent given earlier (before a server restart or a room re-creation) still holds.
    void this.db.survey.findUnique({ where: { id: room.surveyId }, select: { recordingConsent: true } }).then((s) => {
      if (s?.recordingConsent === "granted" && !room.closed) this.start(session, "consent-on-record");
      else if (s?.recordingConsent === "refused") this.setState(session, { state: "refused", since: null, reason: "CONSENT_REFUSED" });
    });
  }

  state(surveyId: string): RecordingStateWire {
    return this.sessions.get(surveyId)?.state ?? { state: "awaiting-consent", since: null, reason: null };
  }

  async consent(who: ParticipantIdentity, accepted: boolean, noticeVersion: string, noticeLocale?: "zh-CN" | "en"): Promise<RecordingStateWire> {
    const session = this.sessions.get(who.surveyId);
    if (!session) throw new Error("the survey's room is not running");
    const at = new Date();
    await this.db.survey.update({ where: { id: who.surveyId }, data: { recordingConsent: accepted ? "granted" : "refused", recordingConsentAt: at } });
    await appendSurveyEvent(this.db, who.surveyId, {
      type: "recording.consent",
      actorId: who.participantId,
      actorRole: who.role,
      payload: { accepted, noticeVersion, ...(noticeLocale ? { noticeLocale } : {}), at: at.toISOString() },
    });
    if (accepted) this.start(session, "consent");
    else if (!session.recorder) this.setState(session, { state: "refused", since: at.toISOString(), reason: "CONSENT_REFUSED" });
    return session.state;
  }

  private start(session: Session, why: string) {
    if (session.recorder || session.room.closed) return;
    const { room } = session;
    const recorder = new SurveyRecorder({ router: room.router, surveyId: room.surveyId, storage: this.storage, logger: this.log.child({ surveyId: room.surveyId }) });
    session.recorder = recorder;
    recorder.on("trackstarted", (t) => {
      void this.db.recording
        .create({ data: { id: t.trackId, surveyId: room.surveyId, participantId: t.participantId, role: t.role, kind: t.kind, codec: "", storageKey: "", startedAt: new Date(t.at) } })
        .then(() => appendSurveyEvent(this.db, room.surveyId, { type: "recording.track.started", actorId: t.participantId, actorRole: t.role, payload: { trackId: t.trackId, kind: t.kind } }))
        .catch((err) => this.log.warn({ err }, "could not store a recording start"));
    });
    recorder.on("trackstopped", (summary) => void this.storeSummary(room.surveyId, summary));
    recorder.on("error", (err) => {
      this.log.error({ err, surveyId: room.surveyId }, "recording failed");
      if (session.state.state === "failed") return;
      this.setState(session, { state: "failed", since: new Date().toISOString(), reason: err.code });
      const message = err.code === "DISK_FULL" ? "Recording stopped: the server's disk is full." : `Recording stopped: ${err.message}`;
      for (const p of room.joinedPeers()) if (p.identity.role !== "policyholder") p.notify("alert", { code: `RECORDING_${err.code}`, message });
      void appendSurveyEvent(this.db, room.surveyId, { type: "recording.failed", payload: { code: err.code, message: err.message } });
    });
    const since = new Date().toISOString();
    this.setState(session, { state: "recording", since, reason: null });
    for (const peer of room.joinedPeers()) for (const producer of peer.producers.values()) void this.record(session, peer, producer);
    void appendSurveyEvent(this.db, room.surveyId, { type: "recording.started", payload: { why } });
  }

  private async record(session: Session, peer: Peer, producer: types.Producer) {
    if (!session.recorder || session.state.state !== "recording") return;
    const source = (producer.appData as { source?: string }).source;
    if (source === "screen") return;
    try {
      await session.recorder.addProducer(producer, { participantId: peer.id, role: peer.identity.role, label: `${peer.identity.displayName} ${source ?? producer.kind}` });
    } catch (err) {
      this.log.warn({ err, producerId: producer.id }, "could not start recording a track");
    }
  }

  private setState(session: Session, state: RecordingStateWire) {
    session.state = state;
    session.room.broadcast(null, "recordingState", { ...state });
  }

  private async storeSummary(surveyId: string, s: RecordingSummary) {
    this.stored.add(s.trackId);
    const file = s.files[0];
    const data = {
      codec: s.codec,
      storageKey: file?.key ?? "",
      endedAt: new Date(s.endedAt),
      durationMs: Math.round(s.durationMs),
      byteSize: s.sizeBytes,
      sha256: s.sha256 ?? null,
      continuity: JSON.stringify(s.entries),
      status: s.error ? "failed" : "finalised",
    };
    try {
      await this.db.recording.upsert({
        where: { id: s.trackId },
        create: { id: s.trackId, surveyId, participantId: s.participantId, role: s.role, kind: s.kind, startedAt: new Date(s.startedAt ?? s.endedAt), ...data },
        update: data,
      });
      await appendSurveyEvent(this.db, surveyId, {
        type: "recording.track.finalised",
        actorId: s.participantId,
        actorRole: s.role,
        payload: { trackId: s.trackId, kind: s.kind, durationMs: data.durationMs, sha256: s.sha256 ?? null, stopCause: s.stopCause },
      });
    } catch (err) {
      this.log.error({ err, trackId: s.trackId }, "could not store a recording summary");
    }
  }

  finalise(surveyId: string): Promise<void> {
    const existing = this.finalised.get(surveyId);
    if (existing) return existing;
    const session = this.sessions.get(surveyId);
    const done = (async () => {
      if (!session?.recorder) return;
      const summaries = await session.recorder.close();
      // trackstopped normally stored each already; this catches any that raced the close.
      for (const s of summaries) if (!this.stored.has(s.trackId)) await this.storeSummary(surveyId, s);
      await appendSurveyEvent(this.db, surveyId, { type: "recording.finalised", payload: { tracks: summaries.length } });
    })()
      .catch((err) => this.log.error({ err, surveyId }, "finalising recordings failed"))
      .finally(() => this.sessions.delete(surveyId));
    this.finalised.set(surveyId, done);
    return done;
  }

  async close() {
    await Promise.all([...this.sessions.keys()].map((id) => this.finalise(id)));
  }
}
