// Records one producer into one WebM file plus its continuity log. It owns a
// recording Consumer on its own PlainTransport and the ffmpeg process that the
// transport sends to; the media never passes through Node. Node only sees
// lifecycle events and, through consumer 'trace' events, the RTP timestamps of
// keyframes (video) or of the first packet after a start/resume (audio): enough
// to anchor the continuity log to RTP time without paying per-packet costs.
import { EventEmitter } from "node:events";
import { mkdir, stat, statfs } from "node:fs/promises";
import path from "node:path";
import type { types as ms } from "mediasoup";
import type { Logger } from "pino";
import { sdpForConsumer } from "./consumer-sdp";
import { ContinuityLog, type ContinuityEntry } from "./continuity-log";
import { FfmpegTrackMuxer, MuxerStartError, type MuxerExit } from "./ffmpeg-track-muxer";
import { RecordingError, writeFailure } from "./recording-error";
import { probeMedia } from "./probe-media";
import { repairRecording } from "./repair-recording";
import { framePresentationTimes, frameHoles } from "./frame-holes";
import { recordingRtpCapabilities } from "./recording-capabilities";
import { RtpClock } from "./rtp-clock";
import { monotonicNowMs, workerEventMonotonicMs, workerEventWallMs } from "./worker-clock";
import { layersOf } from "../simulcast-layers";
import type { RecordingStorage, StoredObject } from "./storage/recording-storage";

/** The RTP packet a trace event shows leaving the consumer (towards the muxer), if it is one. */
function outgoingRtp(t: ms.ConsumerTraceEventData): TracePacket | undefined {
  return t.direction === "out" ? (t.info as { rtpPacket?: TracePacket } | undefined)?.rtpPacket : undefined;
}

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
  /** The media file kept as evidence (exactly one, or none if no frame ever arrived). */
  files: StoredObject[];
  continuityLog: StoredObject | undefined;
  /** Wall-clock of the first recorded frame (first keyframe for video); null if none arrived. */
  startedAt: string | null;
  endedAt: string;
  /**
   * Time from the first frame to the stop (pauses included, as in the file's
   * timeline), on the monotonic clock: equal to endedAt − startedAt unless the
   * wall clock was stepped (NTP, a paused VM) while the track was recorded.
   */
  durationMs: number;
  sizeBytes: number;
  /** SHA-256 of the media file, computed after it was finalised. */
  sha256: string | undefined;
  /** The file has Duration and Cues (written by ffmpeg, or added by repairRecording). False: playable, not indexed. */
  cleanlyFinalised: boolean;
  stopCause: StopCause;
  error?: string;
  entries: ContinuityEntry[];
}

export interface GapOrigin {
  /** muxer-restart: the previous file of this same producer ended because its ffmpeg died. */
  cause: "rejoin" | "replaced" | "muxer-restart";
  previousFile: string;
  stoppedAtMs: number;
}

export interface TrackRecorderOptions {
  trackId: string;
  surveyId: string;
  router: ms.Router;
  producer: ms.Producer;
  meta: TrackMeta;
  storage: RecordingStorage;
  logger: Logger;
  /** Storage keys of the media file and of its JSON-lines continuity log. */
  keys: { media: string; log: string };
  gapFrom?: GapOrigin;
  /** When recording of this producer was asked for (this attempt's); the start entry logs the gap to the first frame. */
  requestedAtMs?: number;
  /** Test hook passed to the muxer (RECORDING_MUXER_START_DELAY_MS). */
  muxerStartDelayMs?: number;
  /** See STOP_DRAIN_STALLED_MS. */
  stopDrainStalledMs?: number;
  /** Aborts a start in progress (producer closed, recorder closing). */
  signal?: AbortSignal;
}

type TrackRecorderEvents = {
  /** `at`: the first frame went to the file; `requestedAt`: when recording of the producer was asked for. */
  started: [{ trackId: string; at: string; requestedAt: string }];
  continuity: [ContinuityEntry];
  error: [RecordingError];
  stopped: [RecordingSummary];
};

const KEYFRAME_RETRY_MS = 1000;
const KEYFRAME_MAX_TRIES = 30;
const STATS_INTERVAL_MS = 5000;
/** How often the media file's size is looked at: the proof that ffmpeg really writes. */
const WRITE_CHECK_MS = 1000;
/** No growth for this long while media flows: ask for a keyframe (ffmpeg may have lost the first one). */
const WRITE_NUDGE_MS = 4000;
/**
 * No growth for this long while media flows: the muxer is stalled (e.g. still
 * probing a stream whose keyframe it never got) and is treated as dead. Above
 * ffmpeg's 5 s probe plus a 1 s cluster.
 */
const WRITE_STALL_MS = 15_000;
/**
 * Stopping: ffmpeg reads its backlog for as long as it makes progress; only a
 * backlog that has not shrunk for this long (ffmpeg frozen) is given up on, and
 * the media it held is logged as missing.
 */
const STOP_DRAIN_STALLED_MS = 10_000;
/** How long a flowing track's stop waits for a packet that tells where its media ends (see doStop). */
const STOP_LAST_PACKET_WAIT_MS = 3000;
/** Backstops once ffmpeg was told the stream ended (it normally exits at once): SIGTERM, then SIGKILL. */
const STOP_TERM_AFTER_MS = 10_000;
const STOP_KILL_AFTER_MS = 30_000;
/**
 * A file shorter than the media forwarded to it by more than this lost its
 * end, and the loss is logged. Less is the file's own granularity: its length
 * ends with the last whole frame, and a frame cut off by the stop is not one.
 */
const TAIL_SHORTFALL_MS = 500;
/** Packets lost (after NACK repair) within one stats interval that count as a gap. */
const LOSS_BURST_PACKETS = 25;

/**
 * A stretch of at least this long without a frame in a video file is a hole
 * and is logged ("no-frames"). A sender's frames come every 33–100 ms, or a
 * few hundred on a starved phone; a second without one is a picture that froze.
 */
const NO_FRAMES_MS = 1000;

interface TracePacket {
  timestamp: number;
  marker?: boolean;
}

export class TrackRecorder extends EventEmitter<TrackRecorderEvents> {
  readonly trackId: string;
  readonly producerId: string;
  readonly kind: "audio" | "video";
  readonly meta: TrackMeta;
  private readonly opts: TrackRecorderOptions;
  private readonly logger: Logger;
  private transport: ms.PlainTransport | undefined;
  private consumer: ms.Consumer | undefined;
  private muxer: FfmpegTrackMuxer | undefined;
  private log!: ContinuityLog;
  private clock: RtpClock | undefined;
  private codec = "";
  private startedAtMs: number | undefined;
  /** The first frame on the monotonic clock: the track's duration is measured on it, not on the wall clock. */
  private startedMonotonicMs: number | undefined;
  /** Last point where wall-clock and media time were tied by an RTP timestamp. */
  private anchor: { wallMs: number; mediaMs: number; rtp: number } | undefined;
  /** Every keyframe's wall-clock and media time: places a hole found in the file on the wall clock. */
  private keyframeAnchors: { wallMs: number; mediaMs: number }[] = [];
  /** A simulcast sender's top layer: what the recording always asks for. */
  private bestLayers: { spatialLayer: number; temporalLayer: number } | undefined;
  private pausedAtMs: number | undefined;
  private awaitingResumeAnchor: { atMs: number; gapMs: number | undefined } | undefined;
  private keyframeTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private writeTimer: NodeJS.Timeout | undefined;
  /** Size of the media file at the last check, and when it last grew (or media last started flowing). */
  private written = { size: 0, grewAtMs: 0, announced: false, sentAtGrowth: -1 };
  private lastPacketsLost: number | undefined;
  /** Layers reported before the first frame: written right after 'start'. */
  private pendingLayers: { spatialLayer: number | null; temporalLayer: number | null } | undefined;
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
  }

  /** Creates transport, consumer and ffmpeg; resolves once RTP flows to ffmpeg. */
  async start(): Promise<void> {
    const { storage, keys, router, producer } = this.opts;
    this.log = new ContinuityLog(await storage.put(keys.log), (err) => this.fail(writeFailure(err, "continuity log", this.trackId)));
    const mediaPath = storage.localPath(keys.media);
    try {
      await mkdir(path.dirname(mediaPath), { recursive: true });
      this.transport = await router.createPlainTransport({
        listenInfo: { protocol: "udp", ip: "127.0.0.1" },
        rtcpMux: false,
        comedia: false,
      });
      const consumer = await this.transport.consume({ producerId: producer.id, rtpCapabilities: recordingRtpCapabilities(router.rtpCapabilities), paused: true });
      this.consumer = consumer;
      const codec = consumer.rtpParameters.codecs[0]!;
      this.codec = codec.mimeType;
      this.clock = new RtpClock(codec.clockRate);
      // The consumer stays paused until ffmpeg listens: nothing is sent into
      // the void; the first keyframe is asked for once it is resumed.
      this.muxer = await FfmpegTrackMuxer.start({
        sdp: (port) => sdpForConsumer(consumer.rtpParameters, this.kind, port),
        outputPath: mediaPath,
        logger: this.logger,
        startDelayMs: this.opts.muxerStartDelayMs,
        signal: this.opts.signal,
      });
      this.muxer.on("exit", (exit) => this.onMuxerExit(exit));
      await this.transport.connect({ ip: "127.0.0.1", port: this.muxer.port, rtcpPort: this.muxer.port + 1 });
    } catch (err) {
      this.transport?.close();
      await this.muxer?.stop();
      await this.log.close();
      await Promise.all([storage.delete(keys.media), storage.delete(keys.log)]).catch(() => {});
      if (err instanceof RecordingError) throw err;
      if (err instanceof MuxerStartError) throw new RecordingError("MUXER_START_FAILED", err.message, this.trackId, { cause: err });
      throw new RecordingError("CONSUME_FAILED", `cannot record producer ${producer.id}: ${(err as Error).message}`, this.trackId, { cause: err });
    }
    const consumer = this.consumer;
    if (this.opts.gapFrom) {
      const g = this.opts.gapFrom;
      this.note({ type: "gap", cause: g.cause, previousFile: g.previousFile, gapMs: Date.now() - g.stoppedAtMs });
    }
    // A simulcast sender: always the best layer it sends (no bandwidth limit on
    // this loopback transport), and every switch on record.
    if (consumer.type === "simulcast" || consumer.type === "svc") {
      const layers = layersOf(consumer.rtpParameters.encodings?.[0]?.scalabilityMode);
      this.bestLayers = { spatialLayer: layers.spatial - 1, temporalLayer: layers.temporal - 1 };
      await consumer.setPreferredLayers(this.bestLayers);
      consumer.on("layerschange", (l) => this.onLayersChange(l));
    }
    consumer.on("trace", (t) => this.onTrace(t));
    consumer.on("producerpause", () => this.onPause());
    consumer.on("producerresume", () => this.onResume());
    consumer.on("producerclose", () => void this.stop("producer-closed"));
    consumer.on("transportclose", () => void this.stop("recorder-closed"));
    // Video: every keyframe (rare, and it is what we wait for). Audio: only the
    // first packet after a start/resume, then tracing is switched off again.
    await consumer.enableTraceEvent([this.kind === "video" ? "keyframe" : "rtp"]);
    if (consumer.producerPaused) this.onPause();
    await consumer.resume();
    if (this.kind === "video" && !consumer.producerPaused) this.startKeyframeRequests();
    this.statsTimer = setInterval(() => void this.reachForBestLayer().then(() => this.checkLoss()), STATS_INTERVAL_MS);
    this.statsTimer.unref();
  }

  private onTrace(t: ms.ConsumerTraceEventData): void {
    if (this.stopping) return;
    const rtp = outgoingRtp(t);
    if (!rtp || !this.clock) return;
    // When the worker sent the packet to the muxer, not when we got to hear of it.
    const now = workerEventWallMs(t.timestamp);
    const mediaMs = this.clock.mediaTimeMs(rtp.timestamp);
    if (this.kind === "video") this.stopKeyframeRequests();
    if (this.kind === "audio") void this.consumer?.enableTraceEvent([]).catch(() => {});
    if (this.startedAtMs === undefined) {
      this.startedAtMs = now;
      this.startedMonotonicMs = workerEventMonotonicMs(t.timestamp);
      this.anchor = { wallMs: now, mediaMs, rtp: rtp.timestamp };
      if (this.kind === "video") this.keyframeAnchors.push({ wallMs: now, mediaMs });
      const requestedAtMs = this.opts.requestedAtMs ?? now;
      this.note({
        type: "start",
        // The exact hole between asking for the recording and its first frame (muxer start-up, keyframe wait).
        requestedAt: new Date(requestedAtMs).toISOString(),
        startupGapMs: now - requestedAtMs,
        rtpTimestamp: rtp.timestamp,
        mediaTimeMs: 0,
        producerId: this.producerId,
        participantId: this.meta.participantId,
        kind: this.kind,
        codec: this.codec,
        file: this.opts.keys.media,
      });
      if (this.pendingLayers) this.note({ type: "layers", ...this.pendingLayers, mediaTimeMs: 0 });
      this.pendingLayers = undefined;
      // 'started' (and with it the Recording row and the REC state) waits until bytes reach the file.
      this.written.grewAtMs = Date.now();
      const started = { trackId: this.trackId, at: new Date(now).toISOString(), requestedAt: new Date(requestedAtMs).toISOString() };
      this.writeTimer = setInterval(() => void this.checkWritten(started), WRITE_CHECK_MS);
      this.writeTimer.unref();
      return;
    }
    this.anchor = { wallMs: now, mediaMs, rtp: rtp.timestamp };
    if (this.kind === "video") this.keyframeAnchors.push({ wallMs: now, mediaMs });
    if (this.awaitingResumeAnchor) {
      const r = this.awaitingResumeAnchor;
      this.awaitingResumeAnchor = undefined;
      this.note({ type: "resume", at: new Date(r.atMs).toISOString(), rtpTimestamp: rtp.timestamp, mediaTimeMs: mediaMs, gapMs: r.gapMs });
    }
  }

  /**
   * The layer written changed. mediasoup switches layers on a keyframe and
   * rewrites sequence numbers, timestamps and VP8 picture ids, so the file
   * goes on as one stream (a smaller picture size from that keyframe on).
   * Before the first frame only the latest is kept; it follows 'start'.
   */
  private onLayersChange(l: ms.ConsumerLayers | undefined): void {
    if (this.stopping) return;
    const layers = { spatialLayer: l?.spatialLayer ?? null, temporalLayer: l?.temporalLayer ?? null };
    if (this.startedAtMs === undefined) {
      this.pendingLayers = layers;
      return;
    }
    this.note({ type: "layers", ...layers, mediaTimeMs: this.estimatedMediaMs() });
  }

  /**
   * The muxer is only believed once its file grows: 'started' is emitted on the
   * first bytes, a keyframe is asked for after WRITE_NUDGE_MS without growth, and
   * after WRITE_STALL_MS the muxer counts as dead (MUXER_STALLED), so the
   * supervisor restarts it instead of showing REC over an empty file.
   */
  private async checkWritten(started: { trackId: string; at: string; requestedAt: string }): Promise<void> {
    if (this.stopping) return;
    const size = await stat(this.opts.storage.localPath(this.opts.keys.media)).then((st) => st.size, () => 0);
    if (this.stopping) return;
    const now = Date.now();
    if (size > this.written.size) {
      this.written.size = size;
      this.written.grewAtMs = now;
      this.written.sentAtGrowth = -1; // read again if the file stops growing
      if (!this.written.announced) {
        this.written.announced = true;
        this.emit("started", started);
      }
      return;
    }
    if (this.pausedAtMs !== undefined) {
      this.written.grewAtMs = now; // nothing flows while paused: nothing to expect
      return;
    }
    if (now - this.written.grewAtMs < WRITE_NUDGE_MS) return;
    // Only a muxer that is *sent* media and writes nothing is stalled: a sender
    // that went quiet (network, a starved browser) is not the muxer's fault.
    // One stats request, only when the file has stopped growing.
    const sent = await this.packetsSent();
    if (this.stopping) return;
    const before = this.written.sentAtGrowth;
    this.written.sentAtGrowth = sent; // a sliding one-second window
    if (before < 0) return; // first look: a baseline only
    if (sent - before < 10) {
      this.written.grewAtMs = Date.now(); // (almost) nothing was sent: nothing to expect
      return;
    }
    const still = now - this.written.grewAtMs;
    if (still >= WRITE_STALL_MS) {
      // A file that cannot grow on a full volume is a full disk (ffmpeg does not always say so), not a stalled muxer.
      const fsInfo = await statfs(path.dirname(this.opts.storage.localPath(this.opts.keys.media))).catch(() => undefined);
      const full = fsInfo !== undefined && fsInfo.bavail * fsInfo.bsize < 1024 * 1024;
      this.fail(new RecordingError(full ? "DISK_FULL" : "MUXER_STALLED", `ffmpeg wrote nothing for ${still} ms while media flowed (file ${size} bytes)`, this.trackId));
    } else if (still >= WRITE_NUDGE_MS && this.kind === "video" && !this.keyframeTimer) {
      this.consumer?.requestKeyFrame().catch(() => {});
    }
  }

  /** RTP packets the recording consumer has sent to ffmpeg so far (-1 if unknown). */
  private async packetsSent(): Promise<number> {
    const stats = await this.consumer?.getStats().catch(() => []) ?? [];
    const out = stats.find((st) => st.type === "outbound-rtp") as { packetCount?: number } | undefined;
    return out?.packetCount ?? -1;
  }

  /** Media time now, extrapolated from the last RTP anchor (pauses carry no packets to read). */
  private estimatedMediaMs(now = Date.now()): number | null {
    return this.anchor ? this.anchor.mediaMs + (now - this.anchor.wallMs) : null;
  }

  private onPause(): void {
    if (this.pausedAtMs !== undefined) return;
    const now = Date.now();
    this.pausedAtMs = now;
    this.stopKeyframeRequests();
    this.note({ type: "pause", rtpTimestamp: null, mediaTimeMs: this.estimatedMediaMs(now) });
  }

  private onResume(): void {
    const now = Date.now();
    this.written.grewAtMs = now;
    const gapMs = this.pausedAtMs !== undefined ? now - this.pausedAtMs : undefined;
    this.pausedAtMs = undefined;
    if (this.startedAtMs === undefined) return; // paused before the first frame: 'start' will come
    // The entry is written when the first packet after the pause shows its RTP timestamp.
    this.awaitingResumeAnchor = { atMs: now, gapMs };
    if (this.kind === "audio") void this.consumer?.enableTraceEvent(["rtp"]).catch(() => {});
    // mediasoup drops delta frames until a keyframe after a resume; ask for one now.
    else this.startKeyframeRequests();
  }

  /** Asks the sender for a keyframe now and every second until the consumer forwards one. */
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

  /**
   * Below the best layer: makes mediasoup choose the layer again. Without a
   * bandwidth estimate (none runs toward the muxer, see recording-capabilities.ts)
   * mediasoup (3.27) chooses a simulcast consumer's layer only on a stream's first
   * packet or first Sender Report, a score change, or a *changed* preference. A
   * layer the sender adds after the recording started is not yet switchable at
   * either of its firsts (its capture instant is known only from the packet after
   * its first Sender Report), and on a clean link no score changes: the recording
   * stayed on the layer below for good (seen: 180 s on layer 1 while the phone
   * sent layer 2; tests/recording/recording-layers.test.ts reproduces it). Asking
   * for the same preference again is ignored, so the preference steps down to the
   * layer being written (which changes nothing forwarded) and back up, and
   * mediasoup chooses again; it switches at the best layer's next keyframe. Not
   * while mediasoup already waits for that keyframe (target above current): the
   * step down would throw the wait away.
   */
  private async reachForBestLayer(): Promise<void> {
    const consumer = this.consumer;
    const best = this.bestLayers;
    if (!best || !consumer || consumer.closed || this.stopping || this.pausedAtMs !== undefined) return;
    const current = consumer.currentLayers?.spatialLayer;
    if (current === undefined || current >= best.spatialLayer) return;
    const dump = await consumer.dump().catch(() => undefined);
    if (dump && "targetSpatialLayer" in dump && dump.targetSpatialLayer > current) return;
    await consumer
      .setPreferredLayers({ spatialLayer: current, temporalLayer: best.temporalLayer })
      .then(() => consumer.setPreferredLayers(best))
      .catch(() => {});
  }

  /** Loss that NACK could not repair, from the producer's receive stats (one channel request per interval). */
  private async checkLoss(): Promise<void> {
    if (this.stopping || !this.consumer || this.pausedAtMs !== undefined) return;
    const stats = await this.consumer.getStats().catch(() => []);
    const inbound = stats.find((s) => s.type === "inbound-rtp") as { packetsLost?: number } | undefined;
    if (inbound?.packetsLost === undefined) return;
    const lost = inbound.packetsLost - (this.lastPacketsLost ?? inbound.packetsLost);
    this.lastPacketsLost = inbound.packetsLost;
    if (lost >= LOSS_BURST_PACKETS && this.startedAtMs !== undefined) {
      this.note({ type: "gap", cause: "packet-loss", lostPackets: lost, gapMs: STATS_INTERVAL_MS, mediaTimeMs: this.estimatedMediaMs() });
    }
  }

  /**
   * The participant's network tore a hole into this track's media (see
   * media/network-gap-watch.ts): logged when media flows again, like every gap,
   * with the hole's length.
   */
  noteNetworkGap(gap: { fromMs: number; toMs: number; signs: string[] }): void {
    if (this.stopping || this.startedAtMs === undefined || gap.toMs <= this.startedAtMs) return;
    const fromMs = Math.max(gap.fromMs, this.startedAtMs);
    this.note({ type: "gap", cause: "network", at: new Date(gap.toMs).toISOString(), gapMs: gap.toMs - fromMs, mediaTimeMs: this.estimatedMediaMs(gap.toMs) });
  }

  private onMuxerExit(exit: MuxerExit): void {
    if (exit.requested) return;
    const code = exit.diskFull ? "DISK_FULL" : "MUXER_DIED";
    this.fail(new RecordingError(code, `ffmpeg exited unexpectedly (${exit.code ?? exit.signal}): ${exit.stderr}`, this.trackId));
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
    this.logger.error({ err, code: err.code, errorId: err.errorId }, "track recording failed");
    this.emit("error", err);
    void this.stop("error");
  }

  /**
   * Stops recording, lets ffmpeg finish the file, hashes it, closes the log.
   * Idempotent. `reason` records why another track's failure stopped this one.
   */
  stop(cause: StopCause, reason?: RecordingError): Promise<RecordingSummary> {
    if (reason && !this.stopping) this.firstError ??= reason;
    this.stopping ??= this.doStop(cause);
    return this.stopping;
  }

  /**
   * Traces the packets forwarded to the muxer while it stops. seen() resolves
   * once a whole frame was traced (or after `waitMs`); settle() waits until
   * every trace event sent before it has been handled (one round trip on the
   * worker's ordered channel) and gives the RTP timestamp of the last whole
   * frame forwarded. A video frame is whole at its last packet (the RTP marker
   * bit): the packets of a frame the stop cuts off are forwarded but can never
   * be in the file, so the media ends with the frame before. Audio packets
   * are frames of their own.
   */
  private async traceTail(): Promise<{ seen(waitMs: number): Promise<void>; settle(): Promise<number | undefined> }> {
    const consumer = this.consumer;
    if (!consumer || consumer.closed || this.startedAtMs === undefined) return { seen: async () => {}, settle: async () => undefined };
    let last: number | undefined;
    let onFirst: (() => void) | undefined;
    const onTrace = (t: ms.ConsumerTraceEventData) => {
      const packet = outgoingRtp(t);
      if (!packet || (this.kind === "video" && !packet.marker)) return;
      last = packet.timestamp;
      onFirst?.();
    };
    consumer.on("trace", onTrace);
    await consumer.enableTraceEvent(["rtp"]).catch(() => {});
    return {
      seen: (waitMs) =>
        new Promise<void>((resolve) => {
          if (last !== undefined) return resolve();
          const timer = setTimeout(resolve, waitMs);
          onFirst = () => {
            clearTimeout(timer);
            resolve();
          };
        }),
      settle: async () => {
        if (!consumer.closed) await consumer.getStats().catch(() => {});
        consumer.off("trace", onTrace);
        return last;
      },
    };
  }

  /**
   * Reads the finished video file and logs every stretch of NO_FRAMES_MS or
   * more without a frame ("no-frames") that no pause or logged gap already
   * names; with `stalled` (no whole frame came while it stopped) the frozen
   * end from the last frame to the stop is one too, measured on the wall
   * clock. A hole ends at a keyframe (mediasoup resumes a layer on one), whose
   * trace places it on the wall clock.
   */
  private async noteFrameHoles(file: string, endedAtMs: number, stalled: boolean): Promise<void> {
    const times = await framePresentationTimes(file);
    if (!times?.length) return;
    const holes = frameHoles(times, NO_FRAMES_MS);
    const lastFrameMs = times.reduce((a, b) => Math.max(a, b), 0);
    // On the wall clock: the media estimate at the stop is extrapolated from an older keyframe.
    const frozenEndMs = stalled ? lastFrameMs + (endedAtMs - this.wallMsOf(lastFrameMs)) : null;
    if (frozenEndMs !== null && frozenEndMs - lastFrameMs >= NO_FRAMES_MS) holes.push({ fromMs: lastFrameMs, toMs: frozenEndMs });
    const known = this.loggedHolesMediaMs();
    for (const h of holes) {
      if (known.some(([a, b]) => a - NO_FRAMES_MS / 2 < h.toMs && h.fromMs < b + NO_FRAMES_MS / 2)) continue;
      const atMs = h.toMs === frozenEndMs ? endedAtMs : this.wallMsOf(h.toMs);
      this.logger.warn({ fromMediaMs: h.fromMs, toMediaMs: h.toMs }, "the video file has no frames for a while");
      this.note({ type: "gap", cause: "no-frames", at: new Date(atMs).toISOString(), gapMs: h.toMs - h.fromMs, mediaTimeMs: h.toMs });
    }
  }

  /** The holes this track's log already names (pauses, gaps), as media-time spans. */
  private loggedHolesMediaMs(): [number, number][] {
    const spans: [number, number][] = [];
    let pausedAt: number | null = null;
    for (const e of this.log.entries) {
      if (e.type === "pause") pausedAt = e.mediaTimeMs;
      else if (e.type === "resume" && pausedAt !== null && e.mediaTimeMs !== null) {
        spans.push([pausedAt, e.mediaTimeMs]);
        pausedAt = null;
      } else if (e.type === "gap" && e.mediaTimeMs !== null && e.gapMs !== undefined) {
        // 'tail-not-written' gives where the hole starts (the file's end); the others where it ends.
        spans.push(e.cause === "tail-not-written" ? [e.mediaTimeMs, e.mediaTimeMs + e.gapMs] : [e.mediaTimeMs - e.gapMs, e.mediaTimeMs]);
      }
    }
    if (pausedAt !== null) spans.push([pausedAt, Number.POSITIVE_INFINITY]);
    return spans;
  }

  /** The wall-clock time of a point on the media timeline, from the last keyframe at or before it. */
  private wallMsOf(mediaMs: number): number {
    let anchor: { wallMs: number; mediaMs: number } | undefined;
    for (const a of this.keyframeAnchors) if (a.mediaMs <= mediaMs + 5 && (!anchor || a.mediaMs >= anchor.mediaMs)) anchor = a;
    return anchor ? anchor.wallMs + (mediaMs - anchor.mediaMs) : (this.startedAtMs ?? Date.now()) + mediaMs;
  }

  private async doStop(cause: StopCause): Promise<RecordingSummary> {
    // Closing the transport below re-enters stop() through 'transportclose';
    // yielding once first guarantees `this.stopping` is set by then.
    await Promise.resolve();
    this.stopKeyframeRequests();
    clearInterval(this.statsTimer);
    clearInterval(this.writeTimer);
    const endedAtMs = Date.now();
    const endedMonotonicMs = monotonicNowMs();
    if (this.awaitingResumeAnchor) {
      this.note({ type: "resume", at: new Date(this.awaitingResumeAnchor.atMs).toISOString(), gapMs: this.awaitingResumeAnchor.gapMs });
    }
    // Tracing is on before forwarding stops, so the last packet forwarded is seen.
    const tail = await this.traceTail();
    // The sender stops first: nothing more is forwarded to ffmpeg, so what it
    // was sent is exactly what the file must hold. It then reads its backlog
    // (seconds of media on a busy server) and only then is told to finish.
    const consumer = this.consumer;
    const flowing = this.pausedAtMs === undefined && consumer !== undefined && !consumer.closed && !consumer.producerPaused;
    // Where the media ends is learnt from a whole frame: a flowing track is
    // given STOP_LAST_PACKET_WAIT_MS for one (a video sender may send a frame
    // a second); without one the end is estimated from the wall clock.
    if (flowing) await tail.seen(STOP_LAST_PACKET_WAIT_MS);
    if (consumer && !consumer.closed && !consumer.paused) await consumer.pause().catch(() => {});
    const lastRtp = await tail.settle();
    const drain = await this.muxer?.drain(this.opts.stopDrainStalledMs ?? STOP_DRAIN_STALLED_MS);
    if (drain && !drain.drained) this.logger.warn({ backlogBytes: drain.backlogBytes, waitedMs: drain.waitedMs }, "the muxer stopped reading; what it did not read is missing from the file");
    const exit = await this.muxer?.stop(STOP_KILL_AFTER_MS, STOP_TERM_AFTER_MS);
    this.transport?.close();
    // Where the media ends: the last packet forwarded to the muxer, on the
    // sender's RTP clock. An estimate from the wall clock would be off by
    // however much the sender's capture-to-send delay changed since the start,
    // which on a loaded phone or server is seconds.
    const mediaTimeMs =
      lastRtp !== undefined && this.clock
        ? this.clock.mediaTimeMs(lastRtp)
        : this.pausedAtMs !== undefined
          ? this.estimatedMediaMs(this.pausedAtMs)
          : this.estimatedMediaMs(endedAtMs);
    let cleanlyFinalised = exit?.trailerWritten === true && !exit.diskFull;
    if (exit && !exit.trailerWritten && !exit.diskFull && this.startedAtMs !== undefined) {
      cleanlyFinalised = await repairRecording(this.opts.storage.localPath(this.opts.keys.media)).then(
        () => true,
        (err) => {
          this.logger.warn({ err }, "could not add Cues/Duration; keeping the file as written");
          return false;
        },
      );
    }
    // The file is measured against what was forwarded to it: media that never
    // reached the file is logged as a hole, never claimed as recorded.
    const mediaFile = this.opts.storage.localPath(this.opts.keys.media);
    if (lastRtp !== undefined && mediaTimeMs !== null && this.startedAtMs !== undefined) {
      const probed = await probeMedia(mediaFile);
      const fileMs = probed?.durationMs ?? 0;
      const shortfallMs = mediaTimeMs - fileMs;
      if (shortfallMs > TAIL_SHORTFALL_MS) {
        this.logger.warn({ fileMs, forwardedMs: mediaTimeMs, shortfallMs, drain }, "the file ends before the media forwarded to it");
        this.note({ type: "gap", cause: "tail-not-written", at: new Date(endedAtMs).toISOString(), gapMs: shortfallMs, mediaTimeMs: fileMs });
      }
    }
    // A flowing video that sent no whole frame while it was stopped had
    // stalled: its picture froze at the file's last frame, up to the stop.
    if (this.kind === "video" && this.startedAtMs !== undefined) await this.noteFrameHoles(mediaFile, endedAtMs, flowing && lastRtp === undefined);
    this.note({ type: "stop", at: new Date(endedAtMs).toISOString(), cause, ...(lastRtp !== undefined ? { rtpTimestamp: lastRtp } : {}), mediaTimeMs });
    const { storage, keys } = this.opts;
    let media: StoredObject | undefined;
    if (this.startedAtMs === undefined) {
      await storage.delete(keys.media).catch(() => {});
    } else {
      media = await storage.finalise(keys.media).catch((err) => {
        this.fail(writeFailure(err, "finalising media", this.trackId));
        return undefined;
      });
      if (media && media.size === 0) {
        await storage.delete(keys.media).catch(() => {});
        media = undefined;
      }
    }
    await this.log.close();
    // No media written, no evidence: the log goes too (the failure is in the timeline), so no orphan is left.
    const logObject = media
      ? await storage.finalise(keys.log).catch(() => undefined)
      : await storage.delete(keys.log).then(() => undefined, () => undefined);
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
      durationMs: this.startedMonotonicMs !== undefined ? endedMonotonicMs - this.startedMonotonicMs : 0,
      sizeBytes: media?.size ?? 0,
      sha256: media?.sha256,
      cleanlyFinalised,
      stopCause: cause,
      ...(this.firstError ? { error: this.firstError.code } : {}),
      entries: [...this.log.entries],
    };
    this.logger.info({ durationMs: summary.durationMs, sizeBytes: summary.sizeBytes, cause, muxerExit: exit }, "track recording stopped");
    this.emit("stopped", summary);
    return summary;
  }
}
