/**
 * SurveyRecorder — server-side recording of every track of one survey.
 *
 * One per survey (per mediasoup Router). Each producer is recorded WITHOUT
 * transcoding into its own WebM file (Opus or VP8), with a JSON-lines
 * continuity log beside it. See docs/RECORDING.md for the design and formats.
 *
 *   const rec = new SurveyRecorder({ router, surveyId, storage, logger });
 *   await rec.addProducer(producer, { participantId, role: 'agent', label? });
 *   await rec.removeProducer(producer.id);          // → RecordingSummary | undefined
 *   const summaries = await rec.close();            // → RecordingSummary[] (all tracks, whole survey)
 *
 * Events (typed, see SurveyRecorderEvents):
 *   'trackstarted'  ({ trackId, producerId, participantId, role, kind, at }) first frame (video: keyframe) sent to the file
 *   'trackstopped'  (RecordingSummary)   file finalised (ffmpeg trailer written, SHA-256 computed)
 *   'continuity'    (ContinuityEntry)    every continuity-log entry as it is written
 *   'error'         (RecordingError)     .code: DISK_FULL | WRITE_FAILED | CONSUME_FAILED
 *   'closed'        (RecordingSummary[]) after close() or when the router closed
 *
 * Also exported: createStorage({ kind: 'local', root }) for `storage`, and
 * repairRecording(path) to add Cues/Duration to files left by a crash.
 *
 * Lifecycle: a producer that closes (peer left, transport closed) finalises its
 * track by itself; a new producer for the same participant and kind starts a new
 * file whose log opens with a 'gap' entry (cause 'rejoin', or 'replaced' if the
 * old producer was still live). The recorder reads the survey's folder in
 * storage before its first track, so files from an earlier recorder of the same
 * survey (e.g. before a server restart) are never overwritten: numbering goes on
 * and the next file of a participant+kind opens with a 'rejoin' gap pointing at
 * the last one (its end = the last continuity entry's time). DISK_FULL stops every track of the survey
 * cleanly: files keep what was written. Closing the Router closes the recorder.
 * Each track = one recording Consumer on its own PlainTransport → loopback UDP
 * → one `ffmpeg -c copy` child writing WebM (the recorder must run on the
 * worker's host). The kernel kills the ffmpeg children if this process dies
 * (pdeathsig); Matroska clusters of ≤ 1 s keep their files playable, so a
 * SIGKILLed server leaves playable files (no Cues/Duration until
 * repairRecording) and no orphans.
 */
import { EventEmitter } from "node:events";
import type { types as ms } from "mediasoup";
import type { Logger } from "pino";
import { z } from "zod";
import type { ContinuityEntry } from "./continuity-log";
import { RecordingError, writeFailure } from "./recording-error";
import type { RecordingStorage } from "./storage/recording-storage";
import { TrackRecorder, type GapOrigin, type RecordingSummary, type TrackMeta } from "./track-recorder";

export type { RecordingSummary, TrackMeta, ParticipantRole, StopCause } from "./track-recorder";
export type { ContinuityEntry } from "./continuity-log";
export { RecordingError, type RecordingErrorCode } from "./recording-error";
export { repairRecording } from "./repair-recording";
export { createStorage, type StorageConfig } from "./storage/create-storage";
export type { RecordingStorage, StoredObject } from "./storage/recording-storage";

const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9_-]");

export const trackMetaSchema = z.object({
  participantId: idSchema,
  role: z.enum(["policyholder", "agent", "adjuster"]),
  label: z.string().max(200).optional(),
});

export interface SurveyRecorderOptions {
  router: ms.Router;
  /** Becomes the storage folder: [A-Za-z0-9_-]{1,64}. */
  surveyId: string;
  storage: RecordingStorage;
  logger: Logger;
}

export interface TrackStartedEvent {
  trackId: string;
  producerId: string;
  participantId: string;
  role: TrackMeta["role"];
  kind: "audio" | "video";
  at: string;
}

export type SurveyRecorderEvents = {
  trackstarted: [TrackStartedEvent];
  trackstopped: [RecordingSummary];
  continuity: [ContinuityEntry];
  error: [RecordingError];
  closed: [RecordingSummary[]];
};

export class SurveyRecorder extends EventEmitter<SurveyRecorderEvents> {
  readonly surveyId: string;
  private readonly router: ms.Router;
  private readonly storage: RecordingStorage;
  private readonly logger: Logger;
  private readonly tracks = new Map<string, TrackRecorder>(); // by producerId
  private readonly pending = new Set<Promise<unknown>>();
  private readonly summaries: RecordingSummary[] = [];
  /** Per participant+kind: how many files so far, and where the last one ended. */
  private readonly history = new Map<string, { count: number; last?: { file: string; stoppedAtMs: number } }>();
  private closing: Promise<RecordingSummary[]> | undefined;
  private earlier: Promise<void> | undefined;
  private readonly onRouterClose = () => void this.close();

  constructor(options: SurveyRecorderOptions) {
    super();
    this.surveyId = idSchema.parse(options.surveyId);
    this.router = options.router;
    this.storage = options.storage;
    this.logger = options.logger.child({ surveyId: this.surveyId, component: "recorder" });
    this.router.observer.once("close", this.onRouterClose);
    // An 'error' with no listener would crash the server; recording must not.
    this.on("error", () => {});
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Starts recording `producer`. Resolves once the recording consumer is live. */
  async addProducer(producer: ms.Producer, meta: TrackMeta): Promise<void> {
    if (this.closing) throw new Error("SurveyRecorder is closed");
    const m = trackMetaSchema.parse(meta);
    if (this.tracks.has(producer.id)) return;
    const slot = `${m.participantId}-${producer.kind}`;
    const op = (this.earlier ??= this.loadEarlierFiles()).then(() => this.startTrack(producer, m, slot));
    this.pending.add(op);
    try {
      await op;
    } finally {
      this.pending.delete(op);
    }
  }

  /**
   * Seeds `history` from files an earlier recorder of this survey left in
   * storage (`<surveyId>/<participant>-<kind>-<n>.webm`). Best effort: a
   * storage that cannot be listed only loses the gap entry, never a recording.
   */
  private async loadEarlierFiles(): Promise<void> {
    try {
      const objects = await this.storage.list(`${this.surveyId}/`);
      const re = new RegExp(`^${this.surveyId}/(.+-(?:audio|video))-(\\d+)\\.webm$`);
      for (const o of objects) {
        const m = re.exec(o.key);
        if (!m) continue;
        const slot = m[1]!;
        const n = Number(m[2]);
        const h = this.history.get(slot) ?? { count: 0 };
        this.history.set(slot, h);
        if (n <= h.count) continue;
        h.count = n;
        h.last = { file: o.key, stoppedAtMs: await this.lastEntryAt(o.key.replace(/\.webm$/, ".continuity.jsonl"), o.modifiedAt.getTime()) };
      }
    } catch (err) {
      this.logger.warn({ err }, "could not list earlier recordings of this survey");
    }
  }

  private async lastEntryAt(logKey: string, fallbackMs: number): Promise<number> {
    try {
      const chunks: Buffer[] = [];
      for await (const c of await this.storage.open(logKey)) chunks.push(c as Buffer);
      const last = Buffer.concat(chunks).toString("utf8").trim().split("\n").pop();
      const at = last ? Date.parse((JSON.parse(last) as { at?: string }).at ?? "") : NaN;
      return Number.isFinite(at) ? at : fallbackMs;
    } catch {
      return fallbackMs;
    }
  }

  private async startTrack(producer: ms.Producer, meta: TrackMeta, slot: string): Promise<void> {
    let gapFrom: GapOrigin | undefined;
    const live = [...this.tracks.values()].find((t) => `${t.meta.participantId}-${t.kind}` === slot);
    if (live) {
      // Camera switch done as a new producer: the old one is finished first so
      // the two files never overlap.
      const s = await live.stop("replaced");
      gapFrom = { cause: "replaced", previousFile: s.files[0]?.key ?? s.trackId, stoppedAtMs: Date.parse(s.endedAt) };
    }
    const h = this.history.get(slot) ?? { count: 0 };
    this.history.set(slot, h);
    if (!gapFrom && h.last) gapFrom = { cause: "rejoin", previousFile: h.last.file, stoppedAtMs: h.last.stoppedAtMs };
    h.count++;
    const trackId = `${slot}-${h.count}`;
    const base = `${this.surveyId}/${trackId}`;
    const track = new TrackRecorder({
      trackId,
      surveyId: this.surveyId,
      router: this.router,
      producer,
      meta,
      storage: this.storage,
      logger: this.logger,
      keys: { media: `${base}.webm`, log: `${base}.continuity.jsonl` },
      gapFrom,
    });
    this.tracks.set(producer.id, track);
    track.on("started", ({ at }) =>
      this.emit("trackstarted", { trackId, producerId: producer.id, participantId: meta.participantId, role: meta.role, kind: producer.kind, at }),
    );
    track.on("continuity", (e) => this.emit("continuity", e));
    track.on("error", (e) => {
      this.emit("error", e);
      // Every track of the survey writes to the same storage: stop them all now
      // rather than let each one fail on its own.
      if (e.code === "DISK_FULL") this.stopAll(e);
    });
    track.once("stopped", (summary) => {
      this.tracks.delete(producer.id);
      h.last = { file: summary.files[0]?.key ?? `${base}.webm`, stoppedAtMs: Date.parse(summary.endedAt) };
      this.summaries.push(summary);
      this.emit("trackstopped", summary);
    });
    try {
      await track.start();
    } catch (err) {
      this.tracks.delete(producer.id);
      // TrackRecorder wraps mediasoup failures itself; anything else came from storage.
      const e = writeFailure(err, "cannot start recording", trackId);
      this.emit("error", e);
      throw e;
    }
  }

  /** Stops recording one producer and finalises its file. */
  async removeProducer(producerId: string): Promise<RecordingSummary | undefined> {
    const track = this.tracks.get(producerId);
    return track ? track.stop("removed") : undefined;
  }

  /** Summaries of the tracks finished so far. */
  get recordings(): readonly RecordingSummary[] {
    return this.summaries;
  }

  /** Finalises every track; resolves with the summaries of all tracks of the survey. Idempotent. */
  close(): Promise<RecordingSummary[]> {
    this.closing ??= (async () => {
      this.router.observer.off("close", this.onRouterClose);
      await Promise.allSettled([...this.pending]);
      await Promise.all([...this.tracks.values()].map((t) => t.stop("recorder-closed")));
      const all = [...this.summaries];
      this.emit("closed", all);
      return all;
    })();
    return this.closing;
  }

  private stopAll(reason: RecordingError): void {
    for (const t of this.tracks.values()) void t.stop("error", reason);
  }
}
