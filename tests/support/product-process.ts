// Starts the real product (server/main.ts, production pages) as a child
// process on a free port with its own data folder, as a user would run it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { RTC_BLOCK_SIZE, reserveRtcBase, waitUntilRtcBaseFree } from "./rtc-ports";

const root = path.resolve(import.meta.dirname, "../..");

/** The node arguments that run the server's TypeScript through tsx (`npm run dev`, and start.sh before the build). */
export const SERVER_FROM_SOURCE = ["--import", "tsx", "server/main.ts"] as const;

/**
 * The node arguments that start the product from a checkout as `scripts/start.sh` does:
 * the server's build (scripts/build-server.mjs), built again first if any of its sources
 * is newer, so a test never runs old code. A checkout from before the build existed (a
 * benchmark's "before") is started as it was then, through tsx.
 */
export async function productServerCommand(checkout = root): Promise<string[]> {
  const builder = path.join(checkout, "scripts/build-server.mjs");
  if (!existsSync(builder)) return [...SERVER_FROM_SOURCE];
  // That checkout's own builder: a benchmark's other checkout builds as it was written then.
  const { serverBuildIsStale, buildServer, serverBuildFile } = (await import(pathToFileURL(builder).href)) as typeof import("../../scripts/build-server.mjs");
  if (serverBuildIsStale(checkout)) await buildServer(checkout);
  return ["--enable-source-maps", serverBuildFile(checkout)];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningProduct {
  url: string;
  port: number;
  /** First of the 100 RTC ports this run uses. */
  rtcBase: number;
  apiKey: string;
  dataDir: string;
  process: ChildProcess;
  logs: () => string;
  health: () => Promise<{ ok: boolean; rooms: number; media: { workers: number; routers: number; transports: number; producers: number; consumers: number } }>;
  stop: () => Promise<void>;
}

/**
 * `dataDir`/`port`/`apiKey`/`rtcBase`: reuse those of an earlier run (a restart
 * after a crash: same database, same media, same address for the pages).
 */
export async function startProductProcess(
  opts: {
    env?: Record<string, string>;
    pages?: "production" | "none";
    keepData?: boolean;
    dataDir?: string;
    port?: number;
    apiKey?: string;
    rtcBase?: number;
    root?: string;
    /** The node arguments that run the server (bench/start compares two ways); as start.sh by default. */
    serverArgs?: string[];
  } = {},
): Promise<RunningProduct> {
  const port = opts.port ?? (await freePort());
  // RTC ports per run, reserved so parallel test files never collide; a
  // restart on the same block waits for the old worker to let go of it.
  const rtcBase = opts.rtcBase ?? (await reserveRtcBase());
  if (opts.rtcBase !== undefined) await waitUntilRtcBaseFree(rtcBase);
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), "cs-test-"));
  const apiKey = opts.apiKey ?? `test-key-${Math.random().toString(36).slice(2)}`;
  const child = spawn(process.execPath, opts.serverArgs ?? (await productServerCommand(opts.root ?? root)), {
    // `root`: another checkout of the product (a benchmark's before/after run).
    cwd: opts.root ?? root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PAGES: opts.pages ?? "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      CLAIMS_API_KEYS: apiKey,
      MEDIASOUP_WORKERS: "1",
      MEDIASOUP_LISTEN_IP: "127.0.0.1",
      MEDIASOUP_ANNOUNCED_ADDRESS: "127.0.0.1",
      RTC_MIN_PORT: String(rtcBase),
      RTC_MAX_PORT: String(rtcBase + RTC_BLOCK_SIZE - 1),
      CLAIMS_SURVEY_SKIP_ENV_FILE: "1",
      LOG_LEVEL: "info",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  // HOST in opts.env: the product listens there only (e.g. a test network's veth address).
  const url = `http://${opts.env?.HOST ?? "127.0.0.1"}:${port}`;
  // Generous: on a loaded shared machine the start (migrations, the ONNX model, the worker) can take minutes.
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`product exited with ${child.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`product did not start within 300 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    rtcBase,
    apiKey,
    dataDir,
    process: child,
    logs: () => out,
    health: async () => (await fetch(`${url}/api/health`)).json(),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // A failing test wants the server's side of the story.
      if (process.exitCode || process.env.SHOW_PRODUCT_LOGS) process.stderr.write(`--- product log (last 6000 chars) ---\n${out.slice(-6000)}\n`);
      if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a claim and survey through the claims-system API; returns the ids and both link tokens. */
export async function createSurveyViaApi(product: RunningProduct, claim: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const r = await fetch(`${product.url}/api/v1/surveys`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}` },
    body: JSON.stringify({
      claim: { policyNumber: "P-0001", plate: "沪A·00001", policyholderName: "张伟", policyholderMobile: "13800138000", incidentAt: "2026-11-21T08:30:00Z", incidentPlace: "上海", claimType: "motor_collision", ...claim },
      ...extra,
    }),
  });
  if (r.status !== 201) throw new Error(`creating a survey failed: ${r.status} ${await r.text()}`);
  const body = await r.json();
  return {
    surveyId: body.surveyId as string,
    policyholderToken: (body.links.policyholder.url as string).split("/").pop()!,
    adjusterToken: (body.links.adjuster.url as string).split("/").pop()!,
  };
}
