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
// process, this Node process (where the recorder runs) and any recorder child
// process (the finalise remux; none exist while recording). The senders and the
// sink are the "browsers" and are not charged.
//
//   npx tsx bench/sfu/run.ts            # SURVEYS=8 WINDOW_S=20 by default
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import * as mediasoup from "mediasoup";
import type { types as ms } from "mediasoup";
import { pino } from "pino";
import { LocalDiskStorage } from "../../media/recording/storage/local-disk-storage";
import { SurveyRecorder, type RecordingSummary } from "../../media/recording/survey-recorder";
import { writeSection } from "../lib/report";

const SURVEYS = Number(process.env.SURVEYS ?? 8);
const WINDOW_S = Number(process.env.WINDOW_S ?? 20);
const WARMUP_S = Number(process.env.WARMUP_S ?? 5);
const VIDEO = process.env.VIDEO ?? "640x360@30fps 600 kbit/s";
const CLK_TCK = 100; // Linux USER_HZ; checked below with getconf
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

function ticks(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the comm field: [0]=state … [11]=utime [12]=stime [13]=cutime [14]=cstime
  return { own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

interface Window {
  wallS: number;
  workerCpuS: number;
  nodeCpuS: number;
  childCpuS: number;
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
  const w0 = ticks(worker.pid);
  const n0 = ticks("self");
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const w1 = ticks(worker.pid);
  const n1 = ticks("self");
  const wallS = (performance.now() - t0) / 1000;
  const p1 = await forwardedPackets(surveys);
  return {
    wallS,
    workerCpuS: (w1.own - w0.own) / CLK_TCK,
    nodeCpuS: (n1.own - n0.own) / CLK_TCK,
    childCpuS: (n1.children - n0.children) / CLK_TCK,
    forwardedPps: (p1 - p0) / wallS,
  };
}

const totalPerSurvey = (w: Window) => (w.workerCpuS + w.nodeCpuS + w.childCpuS) / w.wallS / SURVEYS;
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

async function createSurvey(worker: ms.Worker, index: number, sinkPort: number, src: { video: string; audio: string }): Promise<Survey> {
  const router = await worker.createRouter({ mediaCodecs });
  const roles = ["policyholder", "agent", "adjuster"] as const;
  const producers: Survey["producers"] = [];
  const outputs: string[] = [];
  for (const role of roles) {
    for (const kind of ["audio", "video"] as const) {
      const t = await router.createPlainTransport({ listenInfo: { protocol: "udp", ip: "127.0.0.1" }, rtcpMux: false, comedia: true });
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
      outputs.push("-map", kind === "audio" ? "1:a" : "0:v", "-c", "copy", "-f", "rtp", "-payload_type", String(pt), "-ssrc", String(s),
        `rtp://127.0.0.1:${t.tuple.localPort}?rtcpport=${t.rtcpTuple!.localPort}&pkt_size=1200`);
    }
  }
  const consumers: ms.Consumer[] = [];
  for (const role of roles) {
    // One receive transport per participant, like a browser's recv transport.
    const recv = await router.createPlainTransport({ listenInfo: { protocol: "udp", ip: "127.0.0.1" }, rtcpMux: true, comedia: false });
    await recv.connect({ ip: "127.0.0.1", port: sinkPort });
    for (const p of producers) {
      if (p.role === role) continue;
      consumers.push(await recv.consume({ producerId: p.producer.id, rtpCapabilities: router.rtpCapabilities }));
    }
  }
  const sender = spawn("ffmpeg", ["-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", src.video, "-re", "-stream_loop", "-1", "-i", src.audio, ...outputs], { stdio: "ignore" });
  return { id: `bench-${index}`, router, producers, consumers, sender };
}

async function main() {
  const clk = Number((await run("getconf", ["CLK_TCK"])).stdout.trim());
  if (clk !== CLK_TCK) throw new Error(`CLK_TCK is ${clk}, expected ${CLK_TCK}`);
  const dir = await mkdtemp(path.join(tmpdir(), "bench-sfu-"));
  const children: ChildProcess[] = [];
  let worker: ms.Worker | undefined;
  const started = performance.now();
  try {
    const src = await encodeSources(dir);
    const sink = await startSink();
    children.push(sink.proc);
    worker = await mediasoup.createWorker({ logLevel: "error" });
    const surveys: Survey[] = [];
    for (let i = 0; i < SURVEYS; i++) {
      const s = await createSurvey(worker, i, sink.port, src);
      children.push(s.sender);
      surveys.push(s);
    }
    console.log(`${SURVEYS} surveys up; warming up ${WARMUP_S} s`);
    await sleep(WARMUP_S * 1000);
    const a = await measure(worker, surveys);
    console.log("(a) forwarding", a);

    if (process.env.RECORD_MODE === "channel-only") {
      // Diagnostic: what it costs just to bring every packet into Node.
      for (const s of surveys) {
        const dt = await s.router.createDirectTransport();
        for (const p of s.producers) {
          const c = await dt.consume({ producerId: p.producer.id, rtpCapabilities: s.router.rtpCapabilities });
          c.on("rtp", () => {});
        }
      }
      await sleep(WARMUP_S * 1000);
      console.log("(b0) forwarding + DirectTransport consumers with no-op handlers", await measure(worker, surveys));
      return;
    }
    const storage = new LocalDiskStorage(path.join(dir, "recordings"));
    for (const s of surveys) {
      s.recorder = new SurveyRecorder({ router: s.router, surveyId: s.id, storage, logger });
      s.recorder.on("error", (e) => console.error(`recorder ${s.id}: ${e.code} ${e.message}`));
      for (const p of s.producers) await s.recorder.addProducer(p.producer, { participantId: p.participantId, role: p.role });
    }
    await sleep(WARMUP_S * 1000);
    const b = await measure(worker, surveys);
    console.log("(b) forwarding + recording", b);

    const closeT0 = performance.now();
    const closeTicks0 = ticks("self");
    const summaries: RecordingSummary[] = (await Promise.all(surveys.map((s) => s.recorder!.close()))).flat();
    const closeTicks1 = ticks("self");
    const closeWallS = (performance.now() - closeT0) / 1000;
    const finaliseCpuS = (closeTicks1.own - closeTicks0.own + closeTicks1.children - closeTicks0.children) / CLK_TCK;
    const bad = summaries.filter((s) => !s.cleanlyFinalised || s.files.length !== 1 || s.durationMs < (WINDOW_S + WARMUP_S - 2) * 1000);
    console.log(`finalised ${summaries.length} recordings in ${closeWallS.toFixed(1)} s (${finaliseCpuS.toFixed(2)} s CPU); ${bad.length} bad`);

    await sleep(2000);
    const a2 = await measure(worker, surveys);
    console.log("(a') forwarding again", a2);

    const perA = totalPerSurvey(a);
    const perB = totalPerSurvey(b);
    const perA2 = totalPerSurvey(a2);
    const ratio = perB / perA;
    const ratio2 = perB / ((perA + perA2) / 2);
    const surveysPerCore = 1 / perB;
    const rows = [
      ["(a) forwarding", a],
      ["(b) forwarding + recording", b],
      ["(a') forwarding, after recorders closed", a2],
    ] as const;
    const table = [
      "| phase | worker CPU | Node CPU (recorder) | recorder children | total per survey | forwarded pkt/s (all surveys) |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows.map(([name, w]) =>
        `| ${name} | ${pct(w.workerCpuS / w.wallS)} | ${pct(w.nodeCpuS / w.wallS)} | ${pct(w.childCpuS / w.wallS)} | ${pct(totalPerSurvey(w))} of a core | ${w.forwardedPps.toFixed(0)} |`),
    ].join("\n");
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    const body = `
Setup: ${SURVEYS} concurrent surveys on one worker, each 3 participants × (Opus 32 kbit/s 20 ms + VP8 ${VIDEO}), every producer consumed by the 2 other participants (12 consumers per survey) through PlainTransports (no SRTP) to a UDP sink process. Window ${WINDOW_S} s after ${WARMUP_S} s warm-up. Recording design measured: in-process (DirectTransport → Node → mediabunny append-only WebM), one file per track, ffmpeg only for the \`-c copy\` remux at finalise. CPU shares are of one core, summed over all ${SURVEYS} surveys unless "per survey".

${table}

- CPU per survey: (a) ${pct(perA)}, (b) ${pct(perB)}, (a') ${pct(perA2)} of a core.
- **Ratio (b)/(a): ${ratio.toFixed(2)}** (against the mean of (a) and (a'): ${ratio2.toFixed(2)}) — target ≤ 1.15: ${verdict(ratio <= 1.15)}.
- **Recorded surveys per core (b): ${surveysPerCore.toFixed(1)}** — target ≥ 25: ${verdict(surveysPerCore >= 25)}.
- Finalising all ${summaries.length} recordings (${(WINDOW_S + WARMUP_S)} s+ each) at close: ${closeWallS.toFixed(1)} s wall, ${finaliseCpuS.toFixed(2)} s CPU (remux + SHA-256), outside the windows; ${bad.length} recordings failed the sanity check (one remuxed file lasting ≥ ${WINDOW_S + WARMUP_S - 2} s).
- The machine has 2 cores shared with other work; the senders (ffmpeg \`-c copy\`) and the sink run on the same cores and are not charged.
`;
    writeSection("sfu", "SFU forwarding vs forwarding + recording", "npx tsx bench/sfu/run.ts", body);
    console.log(body);
    console.log(`bench ran ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    for (const c of children) c.kill("SIGKILL");
    worker?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
