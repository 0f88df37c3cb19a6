// Records one producer into one WebM file plus its continuity log. It owns a
// single mediasoup Consumer on the survey's DirectTransport; the RTP comes to
// this process through mediasoup's channel, is put back in order, reassembled
// into frames and muxed as-is (no transcoding). One TrackRecorder lives from the
// producer's arrival until the producer closes, is removed, or the survey ends.
import { EventEmitter } from "node:events";
import type { types as ms } from "mediasoup";
import type { Logger } from "pino";
import type { ContinuityEntry } from "./continuity-log";
import { ContinuityLog } from "./continuity-log";
import { finaliseRecording } from "./finalise-recording";
import { OpusFrameAssembler } from "./opus-frame-assembler";
import { RecordingError, writeFailure } from "./recording-error";
import { parseRtpPacket, CounterUnwrapper } from "./rtp-packet";
import { RtpReorderBuffer } from "./rtp-reorder-buffer";
import type { RecordingStorage, StoredObject } from "./storage/recording-storage";
import { Vp8FrameAssembler, type MediaFrame } from "./vp8-frame-assembler";
import { WebmTrackWriter } from "./webm-track-writer";

export type ParticipantRole = "policyholder" | "agent" | "adjuster";

export interface TrackMeta {
  participantId: string;
  role: ParticipantRole;
  label?: string;
}

export type StopCause = "producer-closed" | "removed" | "recorder-closed" | "replaced" | "error";

export interface RecordingSummary {
  trackId: string;
  surveyId: string;
  producerId: string;
  participantId: string;
  role: ParticipantRole;
  label?: string;
  kind: "audio" | "video";
  /** mimeType of the recorded codec, e.g. "video/VP8", "audio/opus". */
  codec: string;
  /** The media file kept as evidence (normally exactly one). */
  files: StoredObject[];
  continuityLog: StoredObject | undefined;
  /** Wall-clock of the first recorded frame; null if no frame ever arrived. */
  startedAt: string | null;
  endedAt: string;
  /** Length of the media timeline (first to last frame), pauses included. */
  durationMs: number;
  sizeBytes: number;
  /** SHA-256 of the media file, computed after it was finalised. */
  sha256: string | undefined;
  /** False if the crash-safe live file had to be kept because the final remux failed. */
  remuxed: boolean;
  stopCause: StopCause;
  error?: string;
  entries: ContinuityEntry[];
}

export interface GapOrigin {
  cause: "rejoin" | "replaced";
  previousFile: string;
  stoppedAtMs: number;
}

export interface TrackRecorderOptions {
  trackId: string;
  surveyId: string;
  router: ms.Router;
  transport: ms.DirectTransport;
  producer: ms.Producer;
  meta: TrackMeta;
  storage: RecordingStorage;
  logger: Logger;
  /** Storage keys: the live (crash-safe) file, the final file and the JSON-lines log. */
  keys: { live: string; final: string; log: string };
  gapFrom?: GapOrigin;
}

type TrackRecorderEvents = {
  started: [{ trackId: string; at: string }];
  continuity: [ContinuityEntry];
  error: [RecordingError];
  stopped: [RecordingSummary];
};

const KEYFRAME_RETRY_MS = 1000;
const KEYFRAME_MAX_TRIES = 30;

export class TrackRecorder extends EventEmitter<TrackRecorderEvents> {
  readonly trackId: string;
  readonly producerId: string;
  readonly kind: "audio" | "video";
  readonly meta: TrackMeta;
  private readonly opts: TrackRecorderOptions;
  private readonly logger: Logger;
  private consumer: ms.Consumer | undefined;
  private log!: ContinuityLog;
  private writer!: WebmTrackWriter;
  private clockRate = 90000;
  private codec = "";
  private readonly reorder: RtpReorderBuffer;
  private readonly tsUnwrapper = new CounterUnwrapper(32);
  private readonly assembler: Vp8FrameAssembler | OpusFrameAssembler;
  private baseRtp: number | undefined;
  private lastRtp: number | undefined;
  private lastMediaS = 0;
  private lastFrameDurationS = 0;
  private startedAtMs: number | undefined;
  private size: { width: number; height: number } | undefined;
  private pausedAtMs: number | undefined;
  private pendingResume: { atMs: number; gapMs: number | undefined } | undefined;
  private keyframeTimer: NodeJS.Timeout | undefined;
  private keyframeTries = 0;
  private stopping: Promise<RecordingSummary> | undefined;
  private firstError: RecordingError | undefined;

  /** Attach listeners, then call start(): a rejoin 'gap' entry is emitted during start. */
  constructor(opts: TrackRecorderOptions) {
    super();
    this.opts = opts;
    this.trackId = opts.trackId;
    this.producerId = opts.producer.id;
    this.kind = opts.producer.kind;
    this.meta = opts.meta;
    this.logger = opts.logger.child({ trackId: opts.trackId });
    this.reorder = new RtpReorderBuffer({ maxWaitMs: 250, maxPackets: 256 }, (p, lost) =>
      this.assembler.push(p, lost, this.tsUnwrapper.unwrap(p.packet.timestamp)),
    );
    const onFrame = (f: MediaFrame) => this.onFrame(f);
    this.assembler =
      this.kind === "video"
        ? new Vp8FrameAssembler(onFrame, () => this.startKeyframeRequests())
        : new OpusFrameAssembler(onFrame);
  }

  /** Creates the consumer and files; resolves once RTP can flow (not when the first frame arrived). */
  async start(): Promise<void> {
    const { storage, keys, transport, router, producer } = this.opts;
    const reportError = (err: unknown) => this.fail(writeFailure(err, "recording write failed", this.trackId));
    const [logWriter, mediaWriter] = await Promise.all([storage.put(keys.log), storage.put(keys.live)]);
    this.log = new ContinuityLog(logWriter, reportError);
    this.writer = new WebmTrackWriter(mediaWriter, this.kind, reportError);
    try {
      this.consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: router.rtpCapabilities,
        paused: true,
      });
    } catch (err) {
      await this.writer.finish();
      await this.log.close();
      await Promise.all([storage.delete(keys.live), storage.delete(keys.log)]).catch(() => {});
      throw new RecordingError("CONSUME_FAILED", `cannot consume producer ${producer.id}: ${(err as Error).message}`, this.trackId, { cause: err });
    }
    const consumer = this.consumer;
    const codec = consumer.rtpParameters.codecs[0]!;
    this.clockRate = codec.clockRate;
    this.codec = codec.mimeType;

    if (this.opts.gapFrom) {
      const g = this.opts.gapFrom;
      this.note({ type: "gap", cause: g.cause, previousFile: g.previousFile, gapMs: Date.now() - g.stoppedAtMs });
    }
    consumer.on("rtp", (buf) => this.onRtp(buf));
    consumer.on("producerpause", () => this.onPause());
    consumer.on("producerresume", () => this.onResume());
    consumer.on("producerclose", () => void this.stop("producer-closed"));
    consumer.on("transportclose", () => void this.stop("recorder-closed"));
    if (consumer.producerPaused) this.onPause();
    await consumer.resume();
    if (this.kind === "video" && !consumer.producerPaused) this.startKeyframeRequests();
  }

  private onRtp(buf: Buffer): void {
    if (this.stopping) return;
    const packet = parseRtpPacket(buf);
    if (packet) this.reorder.push(packet, performance.now());
  }

  private onFrame(frame: MediaFrame): void {
    const now = Date.now();
    if (this.baseRtp === undefined) {
      this.baseRtp = frame.rtpTimestamp;
      this.startedAtMs = now;
      this.note({
        type: "start",
        rtpTimestamp: frame.rtpTimestamp,
        mediaTimeMs: 0,
        producerId: this.producerId,
        participantId: this.meta.participantId,
        kind: this.kind,
        codec: this.codec,
        file: this.opts.keys.final,
        ...(frame.width ? { width: frame.width, height: frame.height } : {}),
      });
      this.emit("started", { trackId: this.trackId, at: new Date(now).toISOString() });
    }
    const mediaS = (frame.rtpTimestamp - this.baseRtp) / this.clockRate;
    if (mediaS < this.lastMediaS && this.lastRtp !== undefined) return; // never step back in time
    if (frame.recovered && frame.recovered.lastRtpTimestamp !== undefined) {
      this.note({
        type: "gap",
        cause: "packet-loss",
        rtpTimestamp: frame.rtpTimestamp,
        mediaTimeMs: Math.round(mediaS * 1000),
        gapMs: Math.round(((frame.rtpTimestamp - frame.recovered.lastRtpTimestamp) / this.clockRate) * 1000),
        lostPackets: frame.recovered.lostPackets,
        droppedFrames: frame.recovered.droppedFrames,
      });
    }
    if (this.pendingResume) {
      this.note({
        type: "resume",
        at: new Date(this.pendingResume.atMs).toISOString(),
        rtpTimestamp: frame.rtpTimestamp,
        mediaTimeMs: Math.round(mediaS * 1000),
        gapMs: this.pendingResume.gapMs,
      });
      this.pendingResume = undefined;
    }
    if (frame.width && frame.height) {
      if (this.size && (this.size.width !== frame.width || this.size.height !== frame.height)) {
        this.note({ type: "resolution", rtpTimestamp: frame.rtpTimestamp, mediaTimeMs: Math.round(mediaS * 1000), width: frame.width, height: frame.height });
      }
      this.size = { width: frame.width, height: frame.height };
    }
    if (frame.keyframe && this.kind === "video") this.stopKeyframeRequests();
    const durationS = this.kind === "audio" ? 0.02 : 0;
    if (this.lastRtp !== undefined) this.lastFrameDurationS = Math.min(mediaS - this.lastMediaS, 0.1);
    this.lastMediaS = mediaS;
    this.lastRtp = frame.rtpTimestamp;
    this.writer.addFrame(frame.data, frame.keyframe, mediaS, durationS, this.size);
  }

  private onPause(): void {
    if (this.pausedAtMs !== undefined) return;
    this.pausedAtMs = Date.now();
    this.stopKeyframeRequests();
    this.note({ type: "pause", rtpTimestamp: this.lastRtp ?? null, mediaTimeMs: this.mediaTimeMs() });
  }

  private onResume(): void {
    const gapMs = this.pausedAtMs !== undefined ? Date.now() - this.pausedAtMs : undefined;
    this.pausedAtMs = undefined;
    this.pendingResume = { atMs: Date.now(), gapMs };
    // Frames sent while paused were dropped by mediasoup, so the next delta
    // frames reference pictures the file never got: wait for a fresh keyframe.
    this.assembler.resync();
    if (this.kind === "video") this.startKeyframeRequests();
  }

  /** Asks the sender for a keyframe now and every second until one is written. */
  private startKeyframeRequests(): void {
    if (this.keyframeTimer || this.stopping) return;
    this.keyframeTries = 0;
    const request = () => {
      if (++this.keyframeTries > KEYFRAME_MAX_TRIES) {
        this.logger.warn("no keyframe after %d requests", KEYFRAME_MAX_TRIES);
        return this.stopKeyframeRequests();
      }
      this.consumer?.requestKeyFrame().catch(() => {});
    };
    request();
    this.keyframeTimer = setInterval(request, KEYFRAME_RETRY_MS);
  }

  private stopKeyframeRequests(): void {
    clearInterval(this.keyframeTimer);
    this.keyframeTimer = undefined;
  }

  private mediaTimeMs(): number | null {
    return this.lastRtp === undefined ? null : Math.round(this.lastMediaS * 1000);
  }

  private note(partial: Omit<ContinuityEntry, "v" | "at" | "trackId" | "rtpTimestamp" | "mediaTimeMs"> & Partial<ContinuityEntry>): void {
    const entry: ContinuityEntry = {
      v: 1,
      at: new Date().toISOString(),
      trackId: this.trackId,
      rtpTimestamp: null,
      mediaTimeMs: null,
      ...partial,
    };
    this.log.append(entry);
    this.emit("continuity", entry);
  }

  private fail(err: RecordingError): void {
    if (this.firstError) return;
    this.firstError = err;
    this.logger.error({ err, code: err.code }, "track recording failed");
    this.emit("error", err);
    void this.stop("error");
  }

  /** Stops recording, finalises the file (remux + SHA-256) and the log. Idempotent. */
  stop(cause: StopCause): Promise<RecordingSummary> {
    this.stopping ??= this.doStop(cause);
    return this.stopping;
  }

  private async doStop(cause: StopCause): Promise<RecordingSummary> {
    this.stopKeyframeRequests();
    this.consumer?.close();
    this.reorder.flush();
    const endedAtMs = Date.now();
    if (this.pendingResume) {
      this.note({ type: "resume", at: new Date(this.pendingResume.atMs).toISOString(), gapMs: this.pendingResume.gapMs });
    }
    this.note({ type: "stop", cause: cause === "error" ? "error" : cause, rtpTimestamp: this.lastRtp ?? null, mediaTimeMs: this.mediaTimeMs() });
    await this.writer.finish();
    const { storage, keys } = this.opts;
    let media: StoredObject | undefined;
    let remuxed = false;
    if (this.writer.framesWritten === 0) {
      await storage.delete(keys.live).catch(() => {});
    } else if (this.firstError) {
      media = await storage.finalise(keys.live).catch(() => undefined);
    } else {
      const res = await finaliseRecording(storage, keys.live, keys.final, this.trackId);
      media = res.object;
      remuxed = res.remuxed;
      if (res.error) this.fail(res.error);
    }
    await this.log.close();
    const logObject = await storage.finalise(keys.log).catch(() => undefined);
    const summary: RecordingSummary = {
      trackId: this.trackId,
      surveyId: this.opts.surveyId,
      producerId: this.producerId,
      participantId: this.meta.participantId,
      role: this.meta.role,
      ...(this.meta.label ? { label: this.meta.label } : {}),
      kind: this.kind,
      codec: this.codec,
      files: media ? [media] : [],
      continuityLog: logObject,
      startedAt: this.startedAtMs ? new Date(this.startedAtMs).toISOString() : null,
      endedAt: new Date(endedAtMs).toISOString(),
      durationMs: this.lastRtp === undefined ? 0 : Math.round((this.lastMediaS + this.lastFrameDurationS) * 1000),
      sizeBytes: media?.size ?? 0,
      sha256: media?.sha256,
      remuxed,
      stopCause: cause,
      ...(this.firstError ? { error: this.firstError.code } : {}),
      entries: [...this.log.entries],
    };
    this.logger.info({ durationMs: summary.durationMs, sizeBytes: summary.sizeBytes, cause }, "track recording stopped");
    this.emit("stopped", summary);
    return summary;
  }
}
