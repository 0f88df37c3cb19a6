// Product start: from the process's spawn to a healthy /api/health, with the production
// pages, the two ways the server can be run: its build (.server-build/main.mjs, what
// scripts/start.sh runs; scripts/build-server.mjs) and its TypeScript through tsx (how
// start.sh ran it before, and how `npm run dev` still does). Alternated, so both share the
// machine's load. Measured: wall time, and the CPU time of the product's process and its
// children (the mediasoup worker) at the moment it first answers healthy.
//
//   node --import tsx bench/start/run.ts [pairs=6]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../tests/support/product-process";
import { RTC_BLOCK_SIZE, reserveRtcBase } from "../../tests/support/rtc-ports";
import { buildServer, serverBuildIsStale, serverBuildFile } from "../../scripts/build-server.mjs";
import { summarize, writeSection } from "../lib/report";

const root = path.resolve(import.meta.dirname, "../..");
const pairs = Number(process.argv[2] ?? 6);
const CLOCK_TICKS = 100;

/** CPU seconds of a process and its live descendants (Linux /proc). */
function treeCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  let total = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  for (const c of children) total += treeCpu(Number(c));
  return total;
}

async function startOnce(args: string[]): Promise<{ wallMs: number; cpuS: number }> {
  const port = await freePort();
  const rtcBase = await reserveRtcBase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "cs-bench-start-"));
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PAGES: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATA_DIR: dataDir,
      CLAIMS_API_KEYS: `bench-key-${Math.random().toString(36).slice(2)}`,
      MEDIASOUP_WORKERS: "1",
      MEDIASOUP_LISTEN_IP: "127.0.0.1",
      RTC_MIN_PORT: String(rtcBase),
      RTC_MAX_PORT: String(rtcBase + RTC_BLOCK_SIZE - 1),
      CLAIMS_SURVEY_SKIP_ENV_FILE: "1",
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the product exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { wallMs: performance.now() - t0, cpuS: treeCpu(child.pid!) };
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (serverBuildIsStale(root)) await buildServer(root);
const ways = {
  build: ["--enable-source-maps", serverBuildFile(root)],
  tsx: ["--import", "tsx", "server/main.ts"],
} as const;
const results: Record<keyof typeof ways, { wallMs: number; cpuS: number }[]> = { build: [], tsx: [] };
const loads: number[] = [];
// One warm-up start each (the OS's file cache, tsx's transform cache), not counted.
await startOnce([...ways.build]);
await startOnce([...ways.tsx]);
for (let i = 0; i < pairs; i++) {
  // ABBA order, so neither way always goes first.
  const order: (keyof typeof ways)[] = i % 2 === 0 ? ["build", "tsx"] : ["tsx", "build"];
  for (const way of order) {
    results[way].push(await startOnce([...ways[way]]));
    loads.push(os.loadavg()[0]!);
  }
}

const row = (way: keyof typeof ways) => {
  const wall = summarize(results[way].map((r) => r.wallMs));
  const cpu = summarize(results[way].map((r) => r.cpuS));
  return `| ${way === "build" ? "build (`node .server-build/main.mjs`, start.sh)" : "TypeScript through tsx (before)"} | ${results[way].length} | ${(wall.median / 1000).toFixed(2)} | ${(wall.max / 1000).toFixed(2)} | ${cpu.median.toFixed(2)} | ${cpu.max.toFixed(2)} |`;
};
const ratio = (f: (r: { wallMs: number; cpuS: number }) => number) => {
  const rs = results.build.map((b, i) => f(b) / f(results.tsx[i]!)).sort((a, b) => a - b);
  return summarize(rs).median.toFixed(2);
};
const body = `
The product started with its production pages, one mediasoup worker and a fresh SQLite data folder, until \`/api/health\` first answers 200 (polled every 100 ms), then stopped. The two ways alternate (ABBA), after one unmeasured warm-up start each; CPU is the product's process and its children (user + system, /proc) at that moment. 1-min load average during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.

| Server | Starts | Wall median (s) | Wall max (s) | CPU median (s) | CPU max (s) |
|---|---:|---:|---:|---:|---:|
${row("build")}
${row("tsx")}

Build / tsx, median of the pairs' ratios: wall ${ratio((r) => r.wallMs)}, CPU ${ratio((r) => r.cpuS)}. Every test that starts the product (tests/support/product-process.ts) starts it from the build too.
`;
writeSection("product-start", "Product start: spawn to healthy, server build against TypeScript through tsx", `node --import tsx bench/start/run.ts ${pairs}`, body);
console.log(body);
