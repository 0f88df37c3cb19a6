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
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { pickUdpPortPair, processOwnsUdpPort } from "./udp-ports";

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
  readyTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  /** Spawns ffmpeg and resolves once it is listening on its RTP port. */
  static async start(opts: MuxerOptions): Promise<FfmpegTrackMuxer> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await pickUdpPortPair();
      const sdp = Buffer.from(opts.sdp(port)).toString("base64");
      const child = spawn(
        "setpriv",
        [
          "--pdeathsig", "SIGKILL", "--",
          "ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error",
          "-protocol_whitelist", "data,udp,rtp",
          "-listen_timeout", "-1", "-localaddr", "127.0.0.1", "-buffer_size", String(1 << 20),
          "-f", "sdp", "-i", `data:application/sdp;base64,${sdp}`,
          "-map", "0", "-c", "copy",
          "-f", "webm", "-cluster_time_limit", "1000", "-flush_packets", "1",
          "-y", opts.outputPath,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
      const muxer = new FfmpegTrackMuxer(child, port);
      const deadline = Date.now() + (opts.readyTimeoutMs ?? 5000);
      while (muxer.running && Date.now() < deadline) {
        if (await processOwnsUdpPort(muxer.pid, port)) return muxer;
        await sleep(20);
      }
      const exit = muxer.running ? await muxer.stop(1000) : muxer.exitInfo!;
      lastError = new Error(`ffmpeg did not start listening on ${port}: ${exit.stderr || `exit ${exit.code ?? exit.signal}`}`);
      // Lost the port race: someone else bound it first. Anything else is fatal.
      if (!/bind|Address already in use/i.test(exit.stderr)) break;
      opts.logger.debug({ port }, "RTP port taken before ffmpeg bound it; retrying");
    }
    throw lastError ?? new Error("ffmpeg did not start");
  }

  /**
   * Asks ffmpeg to finish and waits. The first SIGTERM is acted on when the
   * next packet arrives: ffmpeg then writes its trailer (Cues, Duration). If no
   * packet comes within `packetWaitMs` (producer paused or gone), a second
   * SIGTERM trips ffmpeg's I/O interrupt: it exits at once, without the
   * trailer (see MuxerExit.trailerWritten). SIGKILL after `timeoutMs`. Every
   * path leaves a playable file.
   */
  async stop(timeoutMs = 10_000, packetWaitMs = 1000): Promise<MuxerExit> {
    if (this.exitInfo) return this.exitInfo;
    this.stopRequested = true;
    this.child.kill("SIGTERM");
    const again = setTimeout(() => this.child.kill("SIGTERM"), packetWaitMs);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(again);
      clearTimeout(timer);
    }
  }
}
