// Product start: from the process's spawn to a healthy /api/health, with the production
// pages, the two ways the server can be run: its build (.server-build/main.mjs, what
// scripts/start.sh runs; scripts/build-server.mjs) and its TypeScript through tsx (how
// start.sh ran it before, and how `npm run dev` still does). Alternated, so both share the
// machine's load. Measured: wall time, and the CPU time of the product's process and its
// children (the mediasoup worker) at the moment it first answers healthy.
//
//   node --import tsx bench/start/run.ts [pairs=6]
import os from "node:os";
import { productServerCommand, SERVER_FROM_SOURCE, startProductProcess } from "../../tests/support/product-process";
import { treeCpuSeconds } from "../lib/process-cpu";
import { summarize, writeSection } from "../lib/report";

const pairs = Number(process.argv[2] ?? 6);

async function startOnce(serverArgs: string[]): Promise<{ wallMs: number; cpuS: number }> {
  const t0 = performance.now();
  const product = await startProductProcess({ serverArgs, env: { LOG_LEVEL: "warn" } });
  const measured = { wallMs: performance.now() - t0, cpuS: treeCpuSeconds(product.process.pid!) };
  await product.stop();
  return measured;
}

const ways = {
  build: await productServerCommand(),
  tsx: SERVER_FROM_SOURCE,
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
The product started with its production pages, one mediasoup worker and a fresh SQLite data folder, until \`/api/health\` first answers 200 (polled every 250 ms by tests/support/product-process.ts, which every test starts it with), then stopped. The two ways alternate (ABBA), after one unmeasured warm-up start each; CPU is the product's process and its children (user + system, /proc) at that moment. 1-min load average during the runs: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.

| Server | Starts | Wall median (s) | Wall max (s) | CPU median (s) | CPU max (s) |
|---|---:|---:|---:|---:|---:|
${row("build")}
${row("tsx")}

Build / tsx, median of the pairs' ratios: wall ${ratio((r) => r.wallMs)}, CPU ${ratio((r) => r.cpuS)}. Every test that starts the product (tests/support/product-process.ts) starts it from the build too.
`;
writeSection("product-start", "Product start: spawn to healthy, server build against TypeScript through tsx", `node --import tsx bench/start/run.ts ${pairs}`, body);
console.log(body);
