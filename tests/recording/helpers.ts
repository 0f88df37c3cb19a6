// Test fixtures for the recorder: real Opus/VP8 encoded once by ffmpeg, sent as
// RTP (`-c copy`, so senders cost nothing to encode) into PlainTransport
// producers on a real mediasoup router, and ffprobe-based checks of the output.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as mediasoup from "mediasoup";
import type { types as ms } from "mediasoup";
import { pino } from "pino";
import { LocalDiskStorage } from "../../media/recording/storage/local-disk-storage";

const run = promisify(execFile);
export const silentLogger = pino({ level: process.env.LOG_LEVEL ?? "silent" });

/** A logger that keeps the recorder's warnings and errors (or from `level` up), so a test
 * that sees a failure can say what it was (the events carry only a code and an error id). */
export function keptLogger(level: pino.Level = "warn"): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line.trim()) });
  return { logger, lines };
}

export const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000 },
];

export interface TestMedia {
  video: string;
  audio: string;
  /** 320x240 then 240x320: a phone rotating mid-call. */
  rotating: string;
}

async function ffmpeg(args: string[]): Promise<void> {
  await run("ffmpeg", ["-v", "error", "-y", ...args]);
}

/** Encodes the synthetic sources once (about a second of CPU). */
export async function makeTestMedia(dir: string, seconds = 12): Promise<TestMedia> {
  const vp8 = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "15", "-b:v", "300k", "-pix_fmt", "yuv420p"];
  const video = path.join(dir, "src-video.webm");
  const audio = path.join(dir, "src-audio.webm");
  const a = path.join(dir, "src-rot-a.webm");
  const b = path.join(dir, "src-rot-b.webm");
  const rotating = path.join(dir, "src-rotating.webm");
  await Promise.all([
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-t", String(seconds), ...vp8, video]),
    ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", String(seconds), "-ac", "2", "-c:a", "libopus", "-b:a", "32k", audio]),
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-t", "4", ...vp8, a]),
    ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=240x320:rate=15", "-t", "8", ...vp8, b]),
  ]);
  const list = path.join(dir, "rot.txt");
  await writeFile(list, `file '${a}'\nfile '${b}'\n`);
  await ffmpeg(["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", rotating]);
  return { video, audio, rotating };
}

export async function createTestRouter(): Promise<{ worker: ms.Worker; router: ms.Router }> {
  const worker = await mediasoup.createWorker({ logLevel: "warn" });
  const router = await worker.createRouter({ mediaCodecs });
  return { worker, router };
}

/** What a recorder test file works with: test media, a real router, storage in a temporary folder. */
export interface RecorderTestBed {
  dir: string;
  media: TestMedia;
  worker: ms.Worker;
  router: ms.Router;
  storage: LocalDiskStorage;
}

/** Sets up a test bed in a new temporary folder named from `prefix` (call it in before()). */
export async function openRecorderTestBed(prefix: string): Promise<RecorderTestBed> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const media = await makeTestMedia(dir);
  const { worker, router } = await createTestRouter();
  return { dir, media, worker, router, storage: new LocalDiskStorage(path.join(dir, "recordings")) };
}

/** Tears a test bed down (call it in after()): the file's producers, the worker, the folder. */
export async function closeRecorderTestBed(bed: Partial<RecorderTestBed>, producers: SyntheticProducer[]): Promise<void> {
  for (const p of producers) p.close();
  bed.worker?.close();
  if (bed.dir) await rm(bed.dir, { recursive: true, force: true });
}

let nextSsrc = 11110000;

/** A socket on 127.0.0.1 forwarding what it receives to `target`, less the packets for which `drop(n)` (n = packet index) is true. */
async function udpRelay(target: number, drop: (n: number) => boolean = () => false): Promise<dgram.Socket> {
  const sock = dgram.createSocket("udp4");
  let n = 0;
  sock.on("message", (msg) => {
    if (!drop(n++)) sock.send(msg, target, "127.0.0.1");
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return sock;
}

export interface SyntheticProducer {
  producer: ms.Producer;
  transport: ms.PlainTransport;
  sender: ChildProcess;
  /** Stops the sender and closes the transport (and so the producer). */
  close(): void;
}

/**
 * Producer fed by ffmpeg sending `file` as RTP (looping, real time, no re-encode).
 * With `drop`, RTP goes through a relay in this process that discards the
 * packets for which `drop(n)` (n = packet index) is true: a lossy network.
 */
export async function createSyntheticProducer(
  router: ms.Router,
  kind: "audio" | "video",
  file: string,
  opts: { loop?: boolean; drop?: (n: number) => boolean } = {},
): Promise<SyntheticProducer> {
  const loop = opts.loop ?? true;
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: "udp", ip: "127.0.0.1" },
    // ffmpeg sends RTCP from its own port (RTP port + 1): with rtcp-mux the
    // comedia tuple would lock onto whichever arrived first.
    rtcpMux: false,
    comedia: true,
  });
  const ssrc = nextSsrc++;
  const payloadType = kind === "audio" ? 100 : 101;
  const producer = await transport.produce({
    kind,
    rtpParameters: {
      codecs: [
        kind === "audio"
          ? { mimeType: "audio/opus", payloadType, clockRate: 48000, channels: 2 }
          : { mimeType: "video/VP8", payloadType, clockRate: 90000, rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }] },
      ],
      encodings: [{ ssrc }],
    },
  });
  let port = transport.tuple.localPort;
  const rtcpPort = transport.rtcpTuple!.localPort;
  let relay: dgram.Socket | undefined;
  if (opts.drop) {
    relay = await udpRelay(port, opts.drop);
    port = relay.address().port;
  }
  const sender = spawn(
    "ffmpeg",
    ["-nostdin", "-v", "error", "-re", ...(loop ? ["-stream_loop", "-1"] : []), "-i", file, "-map", "0", "-c", "copy",
      "-f", "rtp", "-payload_type", String(payloadType), "-ssrc", String(ssrc), `rtp://127.0.0.1:${port}?rtcpport=${rtcpPort}&pkt_size=1200`],
    { stdio: "ignore" },
  );
  return {
    producer,
    transport,
    sender,
    close() {
      sender.kill("SIGKILL");
      relay?.close();
      transport.close();
    },
  };
}

export interface ProbeResult {
  codec: string;
  width?: number;
  height?: number;
  durationS: number;
}

export async function probe(file: string): Promise<ProbeResult> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height:format=duration", "-of", "json", file]);
  const j = JSON.parse(stdout) as { streams: { codec_name: string; width?: number; height?: number }[]; format: { duration?: string } };
  const s = j.streams[0]!;
  return { codec: s.codec_name, width: s.width, height: s.height, durationS: Number(j.format.duration ?? NaN) };
}

/** The check from the brief: a frame decodes within the first second. */
export async function decodesFirstSecond(file: string, kind: "audio" | "video"): Promise<boolean> {
  const { stdout } = await run("ffmpeg", [
    "-v", "error", "-ss", "0", "-t", "1", "-i", file,
    ...(kind === "video" ? ["-frames:v", "1"] : []),
    "-f", "framemd5", "-",
  ]);
  // framemd5 prints one line per decoded frame: proof that something decoded.
  return stdout.split("\n").some((l) => /^\d+,/.test(l));
}

/** Decodes the whole file; returns the frame sizes seen (e.g. ["320x240", "240x320"]). */
export async function decodedSizes(file: string): Promise<{ frames: number; sizes: string[] }> {
  const { stderr } = await run("ffmpeg", ["-v", "info", "-xerror", "-i", file, "-vf", "showinfo", "-f", "null", "-"], { maxBuffer: 64 << 20 });
  const sizes = [...stderr.matchAll(/ s:(\d+x\d+)/g)].map((m) => m[1]!);
  return { frames: sizes.length, sizes: [...new Set(sizes)] };
}

export { packetTimes } from "../support/media-probe";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A simulcast sender's layers, lowest first: one VP8 file per layer. */
export interface SimulcastLayerSource {
  file: string;
  width: number;
  height: number;
}

/** Encodes `sizes` (lowest first) as the layers of one simulcast sender, each at its own bitrate. */
export async function makeSimulcastLayers(dir: string, layers: { width: number; height: number; kbps: number; keyframeEveryS?: number }[], seconds = 12): Promise<SimulcastLayerSource[]> {
  return Promise.all(
    layers.map(async ({ width, height, kbps, keyframeEveryS = 1 }) => {
      const file = path.join(dir, `src-layer-${width}x${height}-g${keyframeEveryS}.webm`);
      await ffmpeg([
        "-f", "lavfi", "-i", `testsrc2=size=${width}x${height}:rate=15`, "-t", String(seconds),
        "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", String(15 * keyframeEveryS),
        "-b:v", `${kbps}k`, "-minrate", `${kbps}k`, "-maxrate", `${kbps}k`, "-pix_fmt", "yuv420p", file,
      ]);
      return { file, width, height };
    }),
  );
}

/**
 * A simulcast producer on a PlainTransport: one ffmpeg per layer, each with its
 * own SSRC, sent through one relay socket so every layer arrives from the one
 * address the transport learnt (comedia), as a browser's layers share a socket.
 */
export async function createSimulcastProducer(
  router: ms.Router,
  layers: SimulcastLayerSource[],
  opts: { heldBack?: number[] } = {},
): Promise<SyntheticProducer & { layerSenders: (ChildProcess | undefined)[]; startLayer(index: number): void }> {
  const transport = await router.createPlainTransport({ listenInfo: { protocol: "udp", ip: "127.0.0.1" }, rtcpMux: false, comedia: true });
  const payloadType = 101;
  const ssrcs = layers.map(() => nextSsrc++);
  const producer = await transport.produce({
    kind: "video",
    rtpParameters: {
      codecs: [{ mimeType: "video/VP8", payloadType, clockRate: 90000, rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }] }],
      encodings: ssrcs.map((ssrc) => ({ ssrc })),
    },
  });
  const rtpRelay = await udpRelay(transport.tuple.localPort);
  const rtcpRelay = await udpRelay(transport.rtcpTuple!.localPort);
  const send = (i: number) =>
    spawn(
      "ffmpeg",
      ["-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", layers[i]!.file, "-map", "0", "-c", "copy",
        "-f", "rtp", "-payload_type", String(payloadType), "-ssrc", String(ssrcs[i]),
        `rtp://127.0.0.1:${rtpRelay.address().port}?rtcpport=${rtcpRelay.address().port}&pkt_size=1200`],
      { stdio: "ignore" },
    );
  // A held-back layer starts when the test says (startLayer), as a phone's encoder adds a layer mid-call.
  const senders = layers.map((_, i) => (opts.heldBack?.includes(i) ? undefined : send(i)));
  return {
    producer,
    transport,
    sender: senders[0]!,
    layerSenders: senders,
    startLayer(i: number) {
      if (!senders[i]) senders[i] = send(i);
    },
    close() {
      for (const s of senders) s?.kill("SIGKILL");
      rtpRelay.close();
      rtcpRelay.close();
      transport.close();
    },
  };
}
