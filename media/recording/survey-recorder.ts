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
 *   'trackstarted'  ({ trackId, producerId, participantId, role, kind, at, requestedAt }) the file has bytes; `at` = its first frame (video: keyframe)
 *   'trackstopped'  (RecordingSummary)   file finalised (ffmpeg trailer written, SHA-256 computed)
 *   'continuity'    (ContinuityEntry)    every continuity-log entry as it is written
 *   'error'         (RecordingError)     .code: DISK_FULL | WRITE_FAILED | CONSUME_FAILED | MUXER_START_FAILED | MUXER_DIED | MUXER_STALLED
 *   'trackfailed'   (TrackFailedEvent)   an attempt failed; willRetry says whether another follows
 *   'trackrecovered'(TrackRecoveredEvent) a producer is recorded again after a failure (gapFrom → gapTo)
 *   'trackstate'    (TrackStateEvent)    starting | recording | retrying | failed | ended, per producer
 *   'closed'        (RecordingSummary[]) after close() or when the router closed
 *
 * No silent loss: each producer has a supervisor (superviseProducer) that
 * keeps it recorded for as long as it lives. An attempt that cannot start
 * (ffmpeg slow, stuck or dead before listening; a port taken) is retried with
 * backoff (0.5 s doubling to 10 s); a muxer that dies mid-track ends its file
 * and the producer goes on in a new file whose log opens with a 'gap'
 * (cause 'muxer-restart'). Only DISK_FULL is not retried (it stops every
 * track of the survey: nothing can be written until an operator frees space).
 * An attempt that never wrote a frame leaves no file and no summary.
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
import { RecordingError, writeFailure, type RecordingErrorCode } from "./recording-error";
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
  /** Test hook (RECORDING_MUXER_START_DELAY_MS): delays every real ffmpeg start by this much. */
  muxerStartDelayMs?: number;
  /** How long a muxer may read none of its backlog at a stop before that backlog is logged as lost (default 10 s; tests shorten it). */
  stopDrainStalledMs?: number;
  /** Retry backoff: first wait and cap (ms). */
  retryBackoffMs?: { first: number; max: number };
}

/** One producer kept recorded: the attempt running now and how to stop it. */
interface Supervisor {
  producer: ms.Producer;
  meta: TrackMeta;
  slot: string;
  current: TrackRecorder | undefined;
  abort: AbortController;
  /** Summary of the last file written. */
  lastSummary: RecordingSummary | undefined;
  done: Promise<void>;
}
type SupervisorStopCause = "removed" | "recorder-closed" | "replaced";

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

export interface TrackStartedEvent {
  trackId: string;
  producerId: string;
  participantId: string;
  role: TrackMeta["role"];
  kind: "audio" | "video";
  /** First frame written (= firstFrameAt). */
  at: string;
  /** When recording of this producer (this attempt) was asked for. */
  requestedAt: string;
}

interface TrackRef {
  producerId: string;
  participantId: string;
  role: TrackMeta["role"];
  kind: "audio" | "video";
}

export interface TrackFailedEvent extends TrackRef {
  code: RecordingErrorCode;
  errorId: string;
  /** 1 for the first attempt of this producer. */
  attempt: number;
  willRetry: boolean;
}

export interface TrackRecoveredEvent extends TrackRef {
  trackId: string;
  /** Last moment the producer was being written (or when recording was asked for). */
  gapFrom: string;
  /** First frame of the new file. */
  gapTo: string;
}

export type TrackState = "starting" | "recording" | "retrying" | "failed" | "ended";

export interface TrackStateEvent extends TrackRef {
  state: TrackState;
  code: RecordingErrorCode | null;
  errorId: string | null;
  since: string;
}

export type SurveyRecorderEvents = {
  trackstarted: [TrackStartedEvent];
  trackfailed: [TrackFailedEvent];
  trackrecovered: [TrackRecoveredEvent];
  trackstate: [TrackStateEvent];
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
  private readonly supervisors = new Map<string, Supervisor>(); // by producerId
  private readonly pending = new Set<Promise<unknown>>();
  private readonly summaries: RecordingSummary[] = [];
  /** Per participant+kind: how many files so far, and where the last one ended. */
  private readonly history = new Map<string, { count: number; last?: { file: string; stoppedAtMs: number } }>();
  private closing: Promise<RecordingSummary[]> | undefined;
  private earlier: Promise<void> | undefined;
  private readonly onRouterClose = () => void this.close();
  private readonly options: SurveyRecorderOptions;

  constructor(options: SurveyRecorderOptions) {
    super();
    this.surveyId = idSchema.parse(options.surveyId);
    this.router = options.router;
    this.storage = options.storage;
    this.options = options;
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
    if (this.supervisors.has(producer.id)) return;
    const slot = `${m.participantId}-${producer.kind}`;
    const requestedAtMs = Date.now();
    const op = (this.earlier ??= this.loadEarlierFiles()).then(() => this.startTrack(producer, m, slot, requestedAtMs));
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

  /**
   * Starts the supervisor of one producer; resolves once its first attempt is
   * live or has failed (the supervisor goes on retrying by itself).
   */
  private async startTrack(producer: ms.Producer, meta: TrackMeta, slot: string, requestedAtMs: number): Promise<void> {
    let gapFrom: GapOrigin | undefined;
    const live = [...this.supervisors.values()].find((s) => s.slot === slot);
    if (live) {
      // Camera switch done as a new producer: the old one is finished first so
      // the two files never overlap.
      const s = await this.stopSupervisor(live, "replaced");
      if (s) gapFrom = { cause: "replaced", previousFile: s.files[0]?.key ?? s.trackId, stoppedAtMs: Date.parse(s.endedAt) };
    }
    if (this.closing || producer.closed) return;
    const h = this.history.get(slot) ?? { count: 0 };
    this.history.set(slot, h);
    if (!gapFrom && h.last) gapFrom = { cause: "rejoin", previousFile: h.last.file, stoppedAtMs: h.last.stoppedAtMs };
    const sup: Supervisor = { producer, meta, slot, current: undefined, abort: new AbortController(), lastSummary: undefined, done: Promise.resolve() };
    this.supervisors.set(producer.id, sup);
    const onProducerClose = () => sup.abort.abort();
    producer.observer.once("close", onProducerClose);
    let firstAttempt!: () => void;
    const firstAttemptDone = new Promise<void>((r) => (firstAttempt = r));
    sup.done = this.superviseProducer(sup, h, gapFrom, requestedAtMs, firstAttempt)
      .catch((err) => this.logger.error({ err, producerId: producer.id }, "track supervisor failed"))
      .finally(() => {
        producer.observer.off("close", onProducerClose);
        if (this.supervisors.get(producer.id) === sup) this.supervisors.delete(producer.id);
        this.emitState(sup, "ended", null);
        firstAttempt();
      });
    await firstAttemptDone;
  }

  private emitState(sup: Supervisor, state: TrackState, err: RecordingError | null): void {
    const { producer, meta } = sup;
    this.emit("trackstate", {
      producerId: producer.id,
      participantId: meta.participantId,
      role: meta.role,
      kind: producer.kind,
      state,
      code: err?.code ?? null,
      errorId: err?.errorId ?? null,
      since: new Date().toISOString(),
    });
  }

  /**
   * Keeps one producer recorded for as long as it lives: one TrackRecorder
   * (one file) per attempt, retried with backoff after a failed start, restarted
   * in a new file when its muxer dies. Ends when the producer closes, is
   * removed or replaced, the recorder closes, or the disk is full.
   */
  private async superviseProducer(
    sup: Supervisor,
    h: { count: number; last?: { file: string; stoppedAtMs: number } },
    firstGap: GapOrigin | undefined,
    requestedAtMs: number,
    firstAttemptDone: () => void,
  ): Promise<void> {
    const { producer, meta, slot } = sup;
    const backoff = this.options.retryBackoffMs ?? { first: 500, max: 10_000 };
    const ended = () => sup.abort.signal.aborted || producer.closed || this.closing !== undefined;
    let wait = backoff.first;
    let attempt = 0;
    let gapFrom = firstGap;
    let askedAtMs = requestedAtMs;
    let failedBefore = false;
    const ref = { producerId: producer.id, participantId: meta.participantId, role: meta.role, kind: producer.kind } as const;
    const failed = (err: RecordingError, willRetry: boolean) => {
      this.logger.error({ err, code: err.code, errorId: err.errorId, producerId: producer.id, attempt, willRetry }, "recording a track failed");
      this.emit("error", err);
      this.emit("trackfailed", { ...ref, code: err.code, errorId: err.errorId, attempt, willRetry });
      this.emitState(sup, willRetry ? "retrying" : "failed", err);
      failedBefore = true;
    };
    const backOff = async () => {
      await sleep(wait, sup.abort.signal);
      wait = Math.min(backoff.max, wait * 2);
    };
    while (!ended()) {
      attempt++;
      // The number is taken only once a frame is written: failed attempts leave
      // no file, no summary and no hole in the numbering.
      const n = h.count + 1;
      const trackId = `${slot}-${n}`;
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
        requestedAtMs: askedAtMs,
        muxerStartDelayMs: this.options.muxerStartDelayMs,
        stopDrainStalledMs: this.options.stopDrainStalledMs,
        signal: sup.abort.signal,
      });
      sup.current = track;
      let trackError: RecordingError | undefined;
      let wroteFrame = false;
      track.on("error", (e) => {
        trackError ??= e;
        // Every track of the survey writes to the same storage: stop them all now
        // rather than let each one fail on its own.
        if (e.code === "DISK_FULL") this.stopAll(e);
      });
      track.on("started", ({ at, requestedAt }) => {
        wroteFrame = true;
        h.count = Math.max(h.count, n);
        wait = backoff.first;
        this.emit("trackstarted", { trackId, ...ref, at, requestedAt });
        this.emitState(sup, "recording", null);
        if (failedBefore) this.emit("trackrecovered", { ...ref, trackId, gapFrom: requestedAt, gapTo: at });
      });
      track.on("continuity", (e) => this.emit("continuity", e));
      const stopped = new Promise<RecordingSummary>((resolve) => track.once("stopped", resolve));
      if (!failedBefore) this.emitState(sup, "starting", null);
      try {
        await track.start();
      } catch (err) {
        sup.current = undefined;
        firstAttemptDone();
        if (ended()) break;
        // TrackRecorder wraps mediasoup and ffmpeg failures itself; anything else came from storage.
        const e = writeFailure(err, "cannot start recording", trackId);
        const willRetry = e.code !== "DISK_FULL";
        failed(e, willRetry);
        if (!willRetry) break;
        await backOff();
        continue;
      }
      firstAttemptDone();
      const summary = await stopped;
      sup.current = undefined;
      if (wroteFrame) {
        h.last = { file: summary.files[0]?.key ?? `${base}.webm`, stoppedAtMs: Date.parse(summary.endedAt) };
        sup.lastSummary = summary;
        this.summaries.push(summary);
        this.emit("trackstopped", summary);
      }
      if (summary.stopCause !== "error" || ended()) break;
      // Stopped because another track found the disk full: the summary carries that code.
      const e = trackError ?? new RecordingError(summary.error === "DISK_FULL" ? "DISK_FULL" : "MUXER_DIED", "the track stopped on an error", trackId);
      const willRetry = e.code !== "DISK_FULL";
      failed(e, willRetry);
      if (!willRetry) break;
      if (wroteFrame) {
        // The next file of this producer says where its hole began; restarted at once.
        gapFrom = { cause: "muxer-restart", previousFile: summary.files[0]?.key ?? `${base}.webm`, stoppedAtMs: Date.parse(summary.endedAt) };
        askedAtMs = Date.parse(summary.endedAt);
      } else {
        // Died before its first frame: it keeps failing, so back off.
        await backOff();
      }
    }
  }

  /** Ends a supervisor: no more attempts, the running file finalised. */
  private async stopSupervisor(sup: Supervisor, cause: SupervisorStopCause): Promise<RecordingSummary | undefined> {
    sup.abort.abort();
    const current = sup.current;
    if (current) await current.stop(cause);
    await sup.done;
    return sup.lastSummary;
  }

  /** Stops recording one producer and finalises its file. */
  async removeProducer(producerId: string): Promise<RecordingSummary | undefined> {
    const sup = this.supervisors.get(producerId);
    return sup ? this.stopSupervisor(sup, "removed") : undefined;
  }

  /** Summaries of the tracks finished so far. */
  get recordings(): readonly RecordingSummary[] {
    return this.summaries;
  }

  /** A hole the network tore into this producer's media; the track being written logs it (cause "network"). */
  noteNetworkGap(producerId: string, gap: { fromMs: number; toMs: number; signs: string[] }): void {
    this.supervisors.get(producerId)?.current?.noteNetworkGap(gap);
  }

  /** Finalises every track; resolves with the summaries of all tracks of the survey. Idempotent. */
  close(): Promise<RecordingSummary[]> {
    this.closing ??= (async () => {
      this.router.observer.off("close", this.onRouterClose);
      await Promise.allSettled([...this.pending]);
      await Promise.all([...this.supervisors.values()].map((sup) => this.stopSupervisor(sup, "recorder-closed")));
      const all = [...this.summaries];
      this.emit("closed", all);
      return all;
    })();
    return this.closing;
  }

  private stopAll(reason: RecordingError): void {
    for (const sup of this.supervisors.values()) void sup.current?.stop("error", reason);
  }
}
