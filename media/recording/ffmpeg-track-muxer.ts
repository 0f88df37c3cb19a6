// One ffmpeg process that receives one track's RTP and writes it, unchanged
// (`-c copy`), into a WebM file. Native code does the per-packet work: in
// bench/sfu this costs a fraction of what the same work costs inside Node.
//
// Crash safety comes from three choices:
// - ffmpeg's Matroska muxer writes the Segment with an unknown size and each
//   Cluster whole; `-cluster_time_limit 1000` bounds a cluster to ~1 s, so a
//   file cut at any point (SIGKILL, power loss) plays up to its last cluster.
// - `setpriv --pdeathsig SIGKILL` makes the kernel kill ffmpeg when the Node
//   process dies, even by SIGKILL, so no muxer outlives a crashed server. (Not
//   SIGTERM: once the worker is dead no packet arrives, and ffmpeg blocked in
//   its RTP read only aborts on a *second* signal; see stop().) The file then
//   lacks Cues/Duration but plays; repairRecording() adds them afterwards.
// - `-listen_timeout -1` keeps ffmpeg waiting through a long producer pause
//   instead of ending the file after 10 s of silence.
//
// Ending a file without losing its last seconds (see drain() and stop()): a
// signal makes ffmpeg drop whatever it was sent and has not yet read, and on
// a busy server that backlog is seconds. So the sender stops first, ffmpeg
// reads its backlog, and only then is it told the stream is over, by the RTP
// way: an RTCP BYE, on which it ends its input and writes the trailer.
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { voluntarySleeps } from "./process-wakeups";
import { pickUdpPortPair, processOwnsUdpPort, udpReceiveQueueBytes } from "./udp-ports";

export interface MuxerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when we asked it to stop. */
  requested: boolean;
  /** ffmpeg wrote its trailer (Cues, Duration); if not, repairRecording() can. */
  trailerWritten: boolean;
  diskFull: boolean;
  /** Last lines ffmpeg printed (it runs with -loglevel error). */
  stderr: string;
}

export interface MuxerOptions {
  /** Builds the SDP for the chosen RTP port (RTCP on port + 1). */
  sdp: (port: number) => string;
  outputPath: string;
  logger: Logger;
  /**
   * Test hook (RECORDING_MUXER_START_DELAY_MS): the real ffmpeg is exec'd this
   * long after its process was spawned, as a cold start on a loaded machine
   * would delay it. 0 in production.
   */
  startDelayMs?: number;
  /**
   * A muxer that neither binds nor exits for this long is killed and reported
   * as failed, so its supervisor starts another. Not a deadline for recording:
   * the supervisor retries for as long as the producer lives. Default 60 s.
   */
  stuckAfterMs?: number;
  /** Aborts the start (the producer closed meanwhile): ffmpeg is stopped, start() rejects. */
  signal?: AbortSignal;
}

/** ffmpeg could not be brought to listen on its RTP port; `portTaken` when another process won the port. */
export class MuxerStartError extends Error {
  constructor(message: string, readonly portTaken: boolean, readonly aborted = false, readonly port?: number) {
    super(message);
    this.name = "MuxerStartError";
  }
}

/**
 * How often start() picks a new port after losing one to another process.
 * Each loss needs another process to bind that exact port in the window, so
 * several in a row mean something else is wrong and the caller should hear it.
 */
export const PORT_RACE_ATTEMPTS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * ffmpeg waits only 100 ms for a missing RTP packet by default. On a loaded
 * machine the NACK-repaired packet of a VP8 keyframe often comes later; the
 * frame is then dropped and with it every frame until the next keyframe, so
 * ffmpeg never learns the picture size and writes nothing. It waits this long
 * (-max_delay), holding the packets after the hole in its reorder queue.
 */
const REORDER_MAX_DELAY_MS = 2000;
/** Beyond REORDER_MAX_DELAY_MS: ffmpeg stamps a packet a moment after reading it. */
const REORDER_MARGIN_MS = 500;

/**
 * An RTCP BYE (RFC 3550 §6.6) with one source and the reason "end": 12 bytes,
 * because ffmpeg's RTP demuxer ignores any packet shorter than an RTP header.
 * ffmpeg ends its input once every stream of the SDP (here one) said BYE.
 */
const RTCP_BYE = Buffer.from([0x81, 203, 0x00, 0x02, 0, 0, 0, 0, 3, 0x65, 0x6e, 0x64]);

export interface DrainResult {
  /** ffmpeg read everything it had been sent. */
  drained: boolean;
  /** Bytes still unread when the wait ended (0 when drained). */
  backlogBytes: number;
  /** How long the wait took. */
  waitedMs: number;
}

/** The ffmpeg arguments of one track muxer (exported for the measurements in bench/). */
export function muxerArgs(sdpBase64: string, outputPath: string): string[] {
  return [
    "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
    "-protocol_whitelist", "data,udp,rtp",
    "-listen_timeout", "-1", "-localaddr", "127.0.0.1", "-buffer_size", String(1 << 20),
    // See REORDER_MAX_DELAY_MS.
    "-max_delay", String(REORDER_MAX_DELAY_MS * 1000), "-reorder_queue_size", "4000",
    // The header (and so the first bytes of the file) is written once the stream is
    // probed; `-c copy` needs the codec parameters only, not a frame-rate estimate
    // over ~20 frames, so the probe ends at the first keyframe.
    "-fpsprobesize", "0",
    "-f", "sdp", "-i", `data:application/sdp;base64,${sdpBase64}`,
    "-map", "0", "-c", "copy",
    "-f", "webm", "-cluster_time_limit", "1000", "-flush_packets", "1",
    "-y", outputPath,
  ];
}

export class FfmpegTrackMuxer extends EventEmitter<{ exit: [MuxerExit] }> {
  private stderr = "";
  private stopRequested = false;
  private exitInfo: MuxerExit | undefined;
  private readonly exited: Promise<MuxerExit>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    super();
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = {
          code,
          signal,
          requested: this.stopRequested,
          trailerWritten: signal === null && !/Immediate exit requested|Error writing trailer/i.test(this.stderr),
          diskFull: /No space left on device/i.test(this.stderr),
          stderr: this.stderr.trim().split("\n").slice(-5).join("\n"),
        };
        resolve(this.exitInfo);
        this.emit("exit", this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /**
   * Spawns ffmpeg and resolves once it is listening on its RTP port. There is
   * no short deadline: ffmpeg on a loaded machine may take seconds to load its
   * libraries and bind, and that must not decide whether a track is recorded.
   * Rejects (MuxerStartError) when ffmpeg exits first, when it is stuck for
   * `stuckAfterMs`, or when `signal` aborts; the caller retries.
   *
   * A port taken by another process between our pick and ffmpeg's bind (a
   * mediasoup worker's transport, another muxer; the window is as long as
   * ffmpeg's start on a loaded machine) is a race, not a failure of the track:
   * it is retried here with a new port, up to PORT_RACE_ATTEMPTS times.
   */
  static async start(opts: MuxerOptions): Promise<FfmpegTrackMuxer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await FfmpegTrackMuxer.startOnPort(opts, await pickUdpPortPair());
      } catch (err) {
        if (!(err instanceof MuxerStartError) || !err.portTaken || err.aborted || attempt >= PORT_RACE_ATTEMPTS) throw err;
        opts.logger.info({ port: err.port, attempt }, "muxer port taken before ffmpeg bound it; starting again on another");
      }
    }
  }

  private static async startOnPort(opts: MuxerOptions, port: number): Promise<FfmpegTrackMuxer> {
    const sdp = Buffer.from(opts.sdp(port)).toString("base64");
    const args = muxerArgs(sdp, opts.outputPath);
    const delayS = (opts.startDelayMs ?? 0) / 1000;
    // With the test delay, a shell sleeps and then exec's the same ffmpeg (same pid, same cmdline once it runs).
    const command = delayS > 0 ? ["sh", "-c", `sleep ${delayS} && exec ffmpeg "$@"`, "ffmpeg", ...args] : ["ffmpeg", ...args];
    const child = spawn("setpriv", ["--pdeathsig", "SIGKILL", "--", ...command], { stdio: ["ignore", "ignore", "pipe"] });
    const muxer = new FfmpegTrackMuxer(child, port);
    const stuckAt = Date.now() + (opts.stuckAfterMs ?? 60_000);
    let pollMs = 20;
    while (muxer.running && !opts.signal?.aborted && Date.now() < stuckAt) {
      if (await processOwnsUdpPort(muxer.pid, port)) return muxer;
      await sleep(pollMs);
      pollMs = Math.min(200, pollMs * 1.5);
    }
    const aborted = opts.signal?.aborted === true;
    const exit = muxer.running ? await muxer.stop(1000) : muxer.exitInfo!;
    const portTaken = /bind|Address already in use/i.test(exit.stderr);
    const why = aborted ? "start aborted" : exit.requested ? `not listening after ${opts.stuckAfterMs ?? 60_000} ms` : `exited (${exit.code ?? exit.signal})`;
    throw new MuxerStartError(`ffmpeg did not start listening on ${port}: ${why}${exit.stderr ? `: ${exit.stderr}` : ""}`, portTaken, aborted, port);
  }

  /**
   * Waits until ffmpeg has read everything waiting in its RTP socket, and
   * has let go of what it holds behind a lost packet (reorderQueueReleased).
   * Call it once nothing more is being sent (the consumer paused or closed).
   * There is no deadline while ffmpeg makes progress, however slowly a
   * starved core lets it read; only a backlog that has not shrunk for
   * `stalledAfterMs` (ffmpeg frozen) ends the wait undrained, and what it
   * never read is then missing from the file (the recorder measures and logs it).
   */
  async drain(stalledAfterMs = 10_000): Promise<DrainResult> {
    const began = Date.now();
    let backlog = await udpReceiveQueueBytes(this.port);
    let progressAt = Date.now();
    let pollMs = 20;
    while (backlog > 0 && this.running && Date.now() - progressAt < stalledAfterMs) {
      await sleep(pollMs);
      pollMs = Math.min(200, pollMs * 1.5);
      const now = await udpReceiveQueueBytes(this.port);
      if (now < backlog) progressAt = Date.now();
      backlog = now;
    }
    if (!this.running) backlog = 0;
    else if (backlog === 0) await this.reorderQueueReleased(stalledAfterMs);
    return { drained: backlog === 0, backlogBytes: backlog, waitedMs: Date.now() - began };
  }

  /**
   * ffmpeg holds the packets after a lost one until the oldest has waited
   * REORDER_MAX_DELAY_MS, and an end of input (the BYE) before that drops
   * them: the track's last second or two, seen on a loaded machine. Every
   * packet was read by now, so all it holds is older than this moment: wait
   * out the delay, then until ffmpeg has run since. It compares its clock
   * with the delay only when it runs; going to sleep twice proves one whole
   * pass of its read loop after the delay. Not a deadline: a frozen ffmpeg
   * is waited for up to `stalledAfterMs`, like the backlog.
   */
  private async reorderQueueReleased(stalledAfterMs: number): Promise<void> {
    await sleep(REORDER_MAX_DELAY_MS + REORDER_MARGIN_MS);
    const before = await voluntarySleeps(this.pid);
    if (before === undefined) return;
    const since = Date.now();
    let pollMs = 20;
    while (this.running && Date.now() - since < stalledAfterMs) {
      const now = await voluntarySleeps(this.pid);
      if (now === undefined || now >= before + 2) return;
      await sleep(pollMs);
      pollMs = Math.min(200, pollMs * 1.5);
    }
  }

  /**
   * Asks ffmpeg to finish and waits. First the RTP way: an RTCP BYE ends its
   * input and it writes the trailer (Cues, Duration), whether or not media is
   * flowing. Drain first (see drain()): ffmpeg reads RTCP before RTP, so a BYE
   * sent onto a backlog cuts it off. Backstops for a ffmpeg that does not
   * react: SIGTERM after `termAfterMs`, a second one (its I/O interrupt: it
   * exits at once, without the trailer, see MuxerExit.trailerWritten) after
   * twice that, SIGKILL after `timeoutMs`. Every path leaves a playable file.
   */
  async stop(timeoutMs = 10_000, termAfterMs = Math.min(5000, timeoutMs / 3)): Promise<MuxerExit> {
    if (this.exitInfo) return this.exitInfo;
    this.stopRequested = true;
    await this.sendBye().catch(() => {});
    const term = setTimeout(() => this.child.kill("SIGTERM"), termAfterMs);
    const again = setTimeout(() => this.child.kill("SIGTERM"), 2 * termAfterMs);
    const kill = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(term);
      clearTimeout(again);
      clearTimeout(kill);
    }
  }

  private async sendBye(): Promise<void> {
    const socket = dgram.createSocket("udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.send(RTCP_BYE, this.port + 1, "127.0.0.1", (err) => (err ? reject(err) : resolve()));
      });
    } finally {
      socket.close();
    }
  }
}
