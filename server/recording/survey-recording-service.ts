// Dual recording (双录) of live surveys: nothing is recorded until the
// policyholder consents; from then on every track of every participant is
// recorded by the room's SurveyRecorder (which retries a track that cannot
// start or whose muxer dies for as long as its producer lives). Each track's
// state is in the timeline and on every screen: REC only while every expected
// track is written, otherwise whose audio/video is missing and why. Failures
// reach screens as a code and an error id that is in the server log, never as
// raw error text; a full disk stops recording with an alert to staff instead
// of taking the call down.
import type { Logger } from "pino";
import type { Db } from "../db/client";
import type { ParticipantIdentity } from "../domain/participants";
import { placeToColumns, type PlaceReport } from "../domain/place-report";
import { appendSurveyEvent } from "../domain/survey-events";
import type { RecordingStateWire, RecordingTrackWire } from "../signalling/protocol";
import type { RecordingControl } from "./recording-control";
import type { Room } from "../../media/room";
import type { Peer } from "../../media/peer";
import { SurveyRecorder, type RecordingSummary, type TrackStateEvent } from "../../media/recording/survey-recorder";
import { recordMediaTrackTimeline } from "./media-track-timeline";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import type { types } from "mediasoup";
import type { RecordingStatus } from "../domain/recording-status";

interface Session {
  room: Room;
  recorder: SurveyRecorder | null;
  state: Omit<RecordingStateWire, "tracks" | "complete">;
  /** By producer id: the tracks that should be recorded now. */
  tracks: Map<string, RecordingTrackWire>;
  finalising: Promise<void> | null;
}

export interface SurveyRecordingOptions {
  /** Test hook (RECORDING_MUXER_START_DELAY_MS): delays every real ffmpeg start. */
  muxerStartDelayMs?: number;
}

/** English fallbacks of the alerts; pages show their own translation of `code`. */
const alertText: Record<string, string> = {
  DISK_FULL: "Recording stopped: the server's disk is full.",
  TRACK: "A participant's audio or video is not being recorded; the server is retrying.",
};

const initialState = (): Session["state"] => ({ state: "awaiting-consent", since: null, reason: null });

export class SurveyRecordingService implements RecordingControl {
  private readonly sessions = new Map<string, Session>();
  private readonly finalised = new Map<string, Promise<void>>();
  private readonly stored = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly storage: RecordingStorage,
    private readonly log: Logger,
    private readonly options: SurveyRecordingOptions = {},
  ) {}

  attachRoom(room: Room) {
    const session: Session = { room, recorder: null, state: initialState(), tracks: new Map(), finalising: null };
    this.sessions.set(room.surveyId, session);
    recordMediaTrackTimeline(room, this.db, this.log);
    room.on("newproducer", (peer, producer) => void this.record(session, peer, producer));
    room.on("producerpaused", (_peer, producer) => this.setPaused(session, producer.id, true));
    room.on("producerresumed", (_peer, producer) => this.setPaused(session, producer.id, false));
    room.on("networkgap", (_peer, gap) => session.recorder?.noteNetworkGap(gap.producerId, gap));
    room.once("close", () => void this.finalise(room.surveyId));
    // Consent given earlier (before a server restart or a room re-creation) still holds.
    void this.db.survey.findUnique({ where: { id: room.surveyId }, select: { recordingConsent: true } }).then((s) => {
      if (s?.recordingConsent === "granted" && !room.closed) this.start(session, "consent-on-record");
      else if (s?.recordingConsent === "refused") this.setState(session, { state: "refused", since: null, reason: "CONSENT_REFUSED" });
    });
  }

  state(surveyId: string): RecordingStateWire {
    const session = this.sessions.get(surveyId);
    return session ? this.wire(session) : { ...initialState(), tracks: [], complete: false };
  }

  private wire(session: Session): RecordingStateWire {
    const tracks = [...session.tracks.values()].map((t) => ({ ...t }));
    const complete = session.state.state === "recording" && tracks.every((t) => t.paused || t.state === "recording");
    return { ...session.state, tracks, complete };
  }

  async consent(who: ParticipantIdentity, accepted: boolean, noticeVersion: string, noticeLocale?: "zh-CN" | "en", place?: PlaceReport): Promise<RecordingStateWire> {
    const session = this.sessions.get(who.surveyId);
    if (!session) throw new Error("the survey's room is not running");
    const at = new Date();
    const p = placeToColumns(place);
    await this.db.survey.update({
      where: { id: who.surveyId },
      data: { recordingConsent: accepted ? "granted" : "refused", recordingConsentAt: at, consentPlaceStatus: p.status, consentLat: p.lat, consentLon: p.lon, consentAccuracy: p.accuracy, consentPlaceAt: p.at },
    });
    await appendSurveyEvent(this.db, who.surveyId, {
      type: "recording.consent",
      actorId: who.participantId,
      actorRole: who.role,
      payload: { accepted, noticeVersion, ...(noticeLocale ? { noticeLocale } : {}), at: at.toISOString(), ...(place ? { place } : {}) },
    });
    if (accepted) this.start(session, "consent");
    else if (!session.recorder) this.setState(session, { state: "refused", since: at.toISOString(), reason: "CONSENT_REFUSED" });
    return this.wire(session);
  }

  private start(session: Session, why: string) {
    if (session.recorder || session.room.closed) return;
    const { room } = session;
    const surveyId = room.surveyId;
    const recorder = new SurveyRecorder({
      router: room.router,
      surveyId,
      storage: this.storage,
      logger: this.log.child({ surveyId }),
      muxerStartDelayMs: this.options.muxerStartDelayMs,
    });
    session.recorder = recorder;
    const timeline = (event: Parameters<typeof appendSurveyEvent>[2]) =>
      appendSurveyEvent(this.db, surveyId, event).catch((err) => this.log.warn({ err, type: event.type }, "could not write a recording event"));
    recorder.on("trackstarted", (t) => {
      void this.db.recording
        .create({ data: { id: t.trackId, surveyId, participantId: t.participantId, role: t.role, kind: t.kind, codec: "", storageKey: "", startedAt: new Date(t.at) } })
        .then(() =>
          timeline({
            type: "recording.track.started",
            actorId: t.participantId,
            actorRole: t.role,
            payload: { trackId: t.trackId, kind: t.kind, producerId: t.producerId, requestedAt: t.requestedAt, firstFrameAt: t.at },
          }),
        )
        .catch((err) => this.log.warn({ err }, "could not store a recording start"));
    });
    recorder.on("trackfailed", (f) => {
      // The recorder logged the failure with its errorId; the timeline and the screens get the code and the id only.
      void timeline({
        type: "recording.track.failed",
        actorId: f.participantId,
        actorRole: f.role,
        payload: { producerId: f.producerId, kind: f.kind, code: f.code, errorId: f.errorId, attempt: f.attempt, willRetry: f.willRetry },
      });
      const previous = session.tracks.get(f.producerId);
      const firstOfEpisode = !previous || previous.state === "starting" || previous.state === "recording";
      if (f.code === "DISK_FULL") this.recordingFailed(session, f.code, f.errorId);
      else if (firstOfEpisode) this.alertStaff(session, `RECORDING_${f.code}`, alertText.TRACK!, f.errorId);
    });
    recorder.on("trackrecovered", (r) =>
      void timeline({
        type: "recording.track.recovered",
        actorId: r.participantId,
        actorRole: r.role,
        payload: { producerId: r.producerId, kind: r.kind, trackId: r.trackId, gapFrom: r.gapFrom, gapTo: r.gapTo },
      }),
    );
    recorder.on("trackstate", (e) => this.onTrackState(session, e));
    recorder.on("trackstopped", (summary) => void this.storeSummary(surveyId, summary));
    const since = new Date().toISOString();
    this.setState(session, { state: "recording", since, reason: null });
    for (const peer of room.joinedPeers()) for (const producer of peer.producers.values()) void this.record(session, peer, producer);
    void timeline({ type: "recording.started", payload: { why } });
  }

  /** A full disk stops every track: recording as a whole has failed until an operator frees space. */
  private recordingFailed(session: Session, code: string, errorId: string) {
    if (session.state.state === "failed") return;
    this.setState(session, { state: "failed", since: new Date().toISOString(), reason: code });
    this.alertStaff(session, `RECORDING_${code}`, alertText[code] ?? alertText.TRACK!, errorId);
    void appendSurveyEvent(this.db, session.room.surveyId, { type: "recording.failed", payload: { code, errorId } }).catch((err) =>
      this.log.warn({ err }, "could not write a recording event"),
    );
  }

  private alertStaff(session: Session, code: string, message: string, errorId: string) {
    for (const p of session.room.joinedPeers()) if (p.identity.role !== "policyholder") p.notify("alert", { code, message, errorId });
  }

  private async record(session: Session, peer: Peer, producer: types.Producer) {
    if (!session.recorder || session.state.state !== "recording" || producer.closed) return;
    const source = (producer.appData as { source?: string }).source;
    if (source === "screen") return;
    // Expected from now on: "starting" until its first frame is written.
    session.tracks.set(producer.id, {
      participantId: peer.id,
      role: peer.identity.role,
      displayName: peer.identity.displayName,
      kind: producer.kind,
      state: "starting",
      paused: producer.paused,
      code: null,
      errorId: null,
      since: new Date().toISOString(),
    });
    this.broadcast(session);
    try {
      await session.recorder.addProducer(producer, { participantId: peer.id, role: peer.identity.role, label: `${peer.identity.displayName} ${source ?? producer.kind}` });
    } catch (err) {
      // Only a closed recorder or bad metadata get here; track failures are retried by the recorder itself.
      this.log.warn({ err, producerId: producer.id }, "could not start recording a track");
    }
  }

  private onTrackState(session: Session, e: TrackStateEvent) {
    const track = session.tracks.get(e.producerId);
    if (!track) return;
    if (e.state === "ended") session.tracks.delete(e.producerId);
    else Object.assign(track, { state: e.state, code: e.code, errorId: e.errorId, since: e.since });
    this.broadcast(session);
  }

  private setPaused(session: Session, producerId: string, paused: boolean) {
    const track = session.tracks.get(producerId);
    if (!track || track.paused === paused) return;
    track.paused = paused;
    this.broadcast(session);
  }

  private setState(session: Session, state: Session["state"]) {
    session.state = state;
    this.broadcast(session);
  }

  private broadcast(session: Session) {
    session.room.broadcast(null, "recordingState", { ...this.wire(session) });
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
      // A file cut short by a dead muxer or a full disk still plays up to its end: it is evidence.
      status: (file && s.sha256 ? "finalised" : "failed") satisfies RecordingStatus,
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
        payload: { trackId: s.trackId, producerId: s.producerId, kind: s.kind, durationMs: data.durationMs, sha256: s.sha256 ?? null, stopCause: s.stopCause, ...(s.error ? { error: s.error } : {}) },
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
