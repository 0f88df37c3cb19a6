// SFU forwarding vs forwarding + recording, measured in the same run.
//
// N concurrent three-party surveys, one Router each on one mediasoup Worker.
// Every participant produces Opus + VP8 (pre-encoded files sent by ffmpeg with
// `-c copy`, so the senders encode nothing) into PlainTransports; every producer
// is consumed by the other two participants through a PlainTransport that sends
// to a UDP sink process standing in for their browsers.
//   (a) bare forwarding, (b) the same plus SurveyRecorder on all 6 tracks of
//   every survey, (a') bare again after the recorders closed (drift check).
// CPU = utime+stime from /proc/<pid>/stat over a fixed window, for the worker
// process, this Node process (where the recorder runs) and the recorder's
// child processes (one ffmpeg muxer per track). The senders and the sink are
// the "browsers" and are not charged.
//
// Two variants run back to back: "plain" (RTP without encryption on every leg,
// as the brief's PlainTransports) and "srtp" (the browser-facing legs
// encrypted, as WebRTC always is: senders → SFU AES_CM_128_HMAC_SHA1_80, the
// only suite ffmpeg sends; SFU → sinks AEAD_AES_256_GCM). The recording leg is
// loopback and plain in both.
//
//   npx tsx bench/sfu/run.ts   # SURVEYS=8 WINDOW_S=25 WARMUP_S=5 VARIANTS=plain,srtp
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import * as mediasoup from "mediasoup";
import type { types as ms } from "mediasoup";
import { pino } from "pino";
import { LocalDiskStorage } from "../../media/recording/storage/local-disk-storage";
import { SurveyRecorder, type RecordingSummary } from "../../media/recording/survey-recorder";
import { CLOCK_TICKS as CLK_TCK, processTicks } from "../lib/process-cpu";
import { writeSection } from "../lib/report";

const SURVEYS = Number(process.env.SURVEYS ?? 8);
const WINDOW_S = Number(process.env.WINDOW_S ?? 25);
const WARMUP_S = Number(process.env.WARMUP_S ?? 5);
const VIDEO = "640x360@30fps 600 kbit/s";
const VARIANTS = (process.env.VARIANTS ?? "plain,srtp").split(",") as ("plain" | "srtp")[];
const run = promisify(execFile);
const logger = pino({ level: "silent" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const mediaCodecs: ms.RouterRtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000 },
];

interface Survey {
  id: string;
  router: ms.Router;
  producers: { producer: ms.Producer; participantId: string; role: "policyholder" | "agent" | "adjuster" }[];
  consumers: ms.Consumer[];
  sender: ChildProcess;
  recorder?: SurveyRecorder;
}

/** Recorder children: ffmpeg processes of this process that are not the senders. */
function muxerPids(exclude: Set<number>): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && comm === "ffmpeg" && !exclude.has(Number(name))) out.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

const senderPids = new Set<number>();

function childTicks(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of pids) {
    try {
      m.set(p, processTicks(p).own);
    } catch {
      // exited
    }
  }
  return m;
}

interface Window {
  wallS: number;
  workerCpuS: number;
  nodeCpuS: number;
  childCpuS: number;
  muxers: number;
  forwardedPps: number;
}

async function forwardedPackets(surveys: Survey[]): Promise<number> {
  let forwarded = 0;
  for (const s of surveys) {
    for (const c of s.consumers) for (const st of await c.getStats()) if (st.type === "outbound-rtp") forwarded += st.packetCount;
  }
  return forwarded;
}

async function measure(worker: ms.Worker, surveys: Survey[]): Promise<Window> {
  const p0 = await forwardedPackets(surveys);
  const pids = muxerPids(senderPids);
  const c0 = childTicks(pids);
  const w0 = processTicks(worker.pid);
  const n0 = processTicks("self");
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const c1 = childTicks(pids);
  const w1 = processTicks(worker.pid);
  const n1 = processTicks("self");
  let muxerTicks = 0;
  for (const [p, t] of c1) muxerTicks += t - (c0.get(p) ?? t);
  const wallS = (performance.now() - t0) / 1000;
  const p1 = await forwardedPackets(surveys);
  return {
    wallS,
    workerCpuS: (w1.own - w0.own) / CLK_TCK,
    nodeCpuS: (n1.own - n0.own) / CLK_TCK,
    // Live muxers from /proc, plus any child that exited (and was reaped) in the window.
    childCpuS: (muxerTicks + n1.children - n0.children) / CLK_TCK,
    muxers: pids.length,
    forwardedPps: (p1 - p0) / wallS,
  };
}

const totalPerSurvey = (w: Window) => (w.workerCpuS + w.nodeCpuS + w.childCpuS) / w.wallS / SURVEYS;
const randomKey = () => randomBytes(30).toString("base64"); // 16-byte key + 14-byte salt
const randomGcmKey = () => randomBytes(44).toString("base64"); // 32-byte key + 12-byte salt
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

async function encodeSources(dir: string): Promise<{ video: string; audio: string }> {
  const video = path.join(dir, "video.webm");
  const audio = path.join(dir, "audio.webm");
  // A moving test pattern at phone-like size and rate; keyframe every 2 s.
  await Promise.all([
    run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "20",
      "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", "60", "-b:v", "600k", "-pix_fmt", "yuv420p", video]),
    run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "20",
      "-ac", "2", "-c:a", "libopus", "-b:a", "32k", audio]),
  ]);
  return { video, audio };
}

async function startSink(): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "udp-sink.ts")], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => createInterface({ input: proc.stdout! }).once("line", resolve));
  return { proc, port: (JSON.parse(line) as { port: number }).port };
}

let ssrc = 22220000;

async function createSurvey(worker: ms.Worker, index: number, sinkPort: number, src: { video: string; audio: string }, srtp: boolean): Promise<Survey> {
  const router = await worker.createRouter({ mediaCodecs });
  const roles = ["policyholder", "agent", "adjuster"] as const;
  const producers: Survey["producers"] = [];
  const outputs: string[] = [];
  for (const role of roles) {
    for (const kind of ["audio", "video"] as const) {
      const t = await router.createPlainTransport({
        listenInfo: { protocol: "udp", ip: "127.0.0.1" },
        rtcpMux: false,
        comedia: true,
        ...(srtp ? { enableSrtp: true, srtpCryptoSuite: "AES_CM_128_HMAC_SHA1_80" as const } : {}),
      });
      const key = randomKey();
      if (srtp) await t.connect({ srtpParameters: { cryptoSuite: "AES_CM_128_HMAC_SHA1_80", keyBase64: key } });
      const pt = kind === "audio" ? 100 : 101;
      const s = ssrc++;
      const producer = await t.produce({
        kind,
        rtpParameters: {
          codecs: [kind === "audio"
            ? { mimeType: "audio/opus", payloadType: pt, clockRate: 48000, channels: 2 }
            : { mimeType: "video/VP8", payloadType: pt, clockRate: 90000, rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }] }],
          encodings: [{ ssrc: s }],
        },
      });
      producers.push({ producer, participantId: `${role}${index}`, role });
      const url = `${srtp ? "srtp" : "rtp"}://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`;
      outputs.push("-map", kind === "audio" ? "1:a" : "0:v", "-c", "copy", "-f", "rtp", "-payload_type", String(pt), "-ssrc", String(s),
        ...(srtp ? ["-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", key] : []), url);
    }
  }
  const consumers: ms.Consumer[] = [];
  for (const role of roles) {
    // One receive transport per participant, like a browser's recv transport.
    const recv = await router.createPlainTransport({
      listenInfo: { protocol: "udp", ip: "127.0.0.1" },
      rtcpMux: true,
      comedia: false,
      ...(srtp ? { enableSrtp: true, srtpCryptoSuite: "AEAD_AES_256_GCM" as const } : {}),
    });
    await recv.connect({
      ip: "127.0.0.1",
      port: sinkPort,
      ...(srtp ? { srtpParameters: { cryptoSuite: "AEAD_AES_256_GCM" as const, keyBase64: randomGcmKey() } } : {}),
    });
    for (const p of producers) {
      if (p.role === role) continue;
      consumers.push(await recv.consume({ producerId: p.producer.id, rtpCapabilities: router.rtpCapabilities }));
    }
  }
  const sender = spawn("ffmpeg", ["-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", src.video, "-re", "-stream_loop", "-1", "-i", src.audio, ...outputs], { stdio: "ignore" });
  return { id: `bench-${index}`, router, producers, consumers, sender };
}

interface VariantResult {
  variant: "plain" | "srtp";
  a: Window;
  b: Window;
  a2: Window;
  finalise: { count: number; wallS: number; cpuS: number; bad: number };
  startup: { count: number; medianMs: number; maxMs: number; failed: number };
}

async function runVariant(variant: "plain" | "srtp", dir: string, src: { video: string; audio: string }, sinkPort: number): Promise<VariantResult> {
  const worker = await mediasoup.createWorker({ logLevel: "error" });
  const senders: ChildProcess[] = [];
  try {
    const surveys: Survey[] = [];
    for (let i = 0; i < SURVEYS; i++) {
      const s = await createSurvey(worker, i, sinkPort, src, variant === "srtp");
      senders.push(s.sender);
      senderPids.add(s.sender.pid!);
      surveys.push(s);
    }
    console.log(`[${variant}] ${SURVEYS} surveys up; warming up ${WARMUP_S} s`);
    await sleep(WARMUP_S * 1000);
    const a = await measure(worker, surveys);
    if (a.forwardedPps < SURVEYS * 12 * 40) throw new Error(`[${variant}] forwarding is not flowing: ${a.forwardedPps.toFixed(0)} pkt/s`);
    console.log(`[${variant}] (a) forwarding`, a);

    if (process.env.RECORD_MODE === "channel-only") {
      // Diagnostic for docs/RECORDING.md: the cost of bringing every packet into Node over a DirectTransport.
      for (const s of surveys) {
        const dt = await s.router.createDirectTransport();
        for (const p of s.producers) {
          const c = await dt.consume({ producerId: p.producer.id, rtpCapabilities: s.router.rtpCapabilities });
          c.on("rtp", () => {});
        }
      }
      await sleep(WARMUP_S * 1000);
      console.log(`[${variant}] (b0) forwarding + DirectTransport consumers with no-op handlers`, await measure(worker, surveys));
      process.exit(0);
    }

    const storage = new LocalDiskStorage(path.join(dir, `recordings-${variant}`));
    const startupMs: number[] = [];
    let failedAttempts = 0;
    for (const s of surveys) {
      s.recorder = new SurveyRecorder({ router: s.router, surveyId: s.id, storage, logger });
      s.recorder.on("error", (e) => console.error(`recorder ${s.id}: ${e.code} ${e.message}`));
      s.recorder.on("trackstarted", (t) => startupMs.push(Date.parse(t.at) - Date.parse(t.requestedAt)));
      s.recorder.on("trackfailed", () => failedAttempts++);
      for (const p of s.producers) await s.recorder.addProducer(p.producer, { participantId: p.participantId, role: p.role });
    }
    await sleep(WARMUP_S * 1000);
    const b = await measure(worker, surveys);
    console.log(`[${variant}] (b) forwarding + recording`, b);

    const closeT0 = performance.now();
    const closeTicks0 = processTicks("self");
    const summaries: RecordingSummary[] = (await Promise.all(surveys.map((s) => s.recorder!.close()))).flat();
    const closeTicks1 = processTicks("self");
    const finalise = {
      count: summaries.length,
      wallS: (performance.now() - closeT0) / 1000,
      cpuS: (closeTicks1.own - closeTicks0.own + closeTicks1.children - closeTicks0.children) / CLK_TCK,
      bad: summaries.filter((s) => !s.cleanlyFinalised || s.files.length !== 1 || s.durationMs < (WINDOW_S + WARMUP_S - 2) * 1000).length,
    };
    console.log(`[${variant}] finalised`, finalise);
    await rm(storage.root, { recursive: true, force: true });

    await sleep(2000);
    const a2 = await measure(worker, surveys);
    console.log(`[${variant}] (a') forwarding again`, a2);
    startupMs.sort((x, y) => x - y);
    const startup = { count: startupMs.length, medianMs: startupMs[Math.floor(startupMs.length / 2)] ?? 0, maxMs: startupMs.at(-1) ?? 0, failed: failedAttempts };
    return { variant, a, b, a2, finalise, startup };
  } finally {
    for (const c of senders) c.kill("SIGKILL");
    worker.close();
  }
}

function describe(r: VariantResult): string {
  const rows = [
    ["(a) forwarding", r.a],
    ["(b) forwarding + recording", r.b],
    ["(a') forwarding, after recorders closed", r.a2],
  ] as const;
  const perA = totalPerSurvey(r.a);
  const perB = totalPerSurvey(r.b);
  const perA2 = totalPerSurvey(r.a2);
  const verdict = (ok: boolean) => (ok ? "met" : "**NOT met**");
  return [
    `### ${r.variant === "plain" ? "Plain RTP on every leg (as specified)" : "SRTP on the browser-facing legs (as in a real call)"}`,
    "",
    "| phase | worker CPU | Node CPU (recorder) | ffmpeg muxers | total per survey | forwarded pkt/s (all surveys) |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(([name, w]) =>
      `| ${name} | ${pct(w.workerCpuS / w.wallS)} | ${pct(w.nodeCpuS / w.wallS)} | ${pct(w.childCpuS / w.wallS)} (${w.muxers}) | ${pct(totalPerSurvey(w))} | ${w.forwardedPps.toFixed(0)} |`),
    "",
    `- Ratio (b)/(a): **${(perB / perA).toFixed(2)}** (against the mean of (a) and (a'): ${(perB / ((perA + perA2) / 2)).toFixed(2)}) — target ≤ 1.15: ${verdict(perB / perA <= 1.15)}.`,
    `- Recorded surveys per core (1 / CPU per survey in (b)): **${(1 / perB).toFixed(1)}** — target ≥ 25: ${verdict(1 / perB >= 25)}.`,
    `- Processes per recorded survey: ${(r.b.muxers / SURVEYS).toFixed(1)} ffmpeg muxers (one per track), beside the shared mediasoup worker and Node process.`,
    `- Start-up of the ${r.startup.count} recordings (requestedAt → first frame, while ${SURVEYS} surveys started at once): median ${r.startup.medianMs} ms, max ${r.startup.maxMs} ms; ${r.startup.failed} attempts failed and were retried.`,
    `- Worker alone: (b)/(a) = ${(r.b.workerCpuS / r.b.wallS / (r.a.workerCpuS / r.a.wallS)).toFixed(2)} — the extra copy of every packet the worker sends to the recorder.`,
    `- Close: ${r.finalise.count} recordings finalised in ${r.finalise.wallS.toFixed(1)} s wall, ${r.finalise.cpuS.toFixed(2)} s CPU (trailers + SHA-256, outside the windows); ${r.finalise.bad} failed the check (one cleanly finalised file covering ≥ ${WINDOW_S + WARMUP_S - 2} s).`,
  ].join("\n");
}

async function main() {
  const clk = Number((await run("getconf", ["CLK_TCK"])).stdout.trim());
  if (clk !== CLK_TCK) throw new Error(`CLK_TCK is ${clk}, expected ${CLK_TCK}`);
  const dir = await mkdtemp(path.join(tmpdir(), "bench-sfu-"));
  const started = performance.now();
  let sink: ChildProcess | undefined;
  try {
    const src = await encodeSources(dir);
    const s = await startSink();
    sink = s.proc;
    const results: VariantResult[] = [];
    for (const v of VARIANTS) results.push(await runVariant(v, dir, src, s.port));
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const body = [
      `Setup: ${SURVEYS} concurrent surveys on one mediasoup worker (one Router each); per survey 3 participants × (Opus 32 kbit/s 20 ms + VP8 ${VIDEO}), pre-encoded and sent by ffmpeg \`-c copy\`; every producer consumed by the 2 other participants (12 consumers per survey) through PlainTransports to a UDP sink process. (b) adds a SurveyRecorder per survey recording all 6 tracks: per track a PlainTransport consumer → loopback UDP → one \`ffmpeg -c copy\` muxer writing WebM. CPU from /proc/<pid>/stat (utime+stime) over ${WINDOW_S} s windows after ${WARMUP_S} s warm-up, summed over the worker, this Node process and the recorder's ffmpeg children; the senders and the sink stand in for browsers and are not charged. Shares are of one core. Load average at the end: ${load} (2 cores shared with other work, so expect noise of a few tenths of a percent).`,
      "",
      ...results.map(describe).flatMap((t) => [t, ""]),
      "Where the extra CPU of (b) goes: the worker sends one more copy of every incoming packet (18 sends per 6 receives instead of 12, see 'worker alone'), and each ffmpeg muxer wakes up for every packet of its track. Designs measured and why this one was kept: docs/RECORDING.md.",
    ].join("\n");
    writeSection("sfu", "SFU forwarding vs forwarding + recording", "npx tsx bench/sfu/run.ts", body);
    console.log(body);
    console.log(`bench ran ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    sink?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
