// Does Chromium's DevTools CPU throttling (Emulation.setCPUThrottlingRate, what the live-hints
// bench uses to stand in for a slow phone) slow a dedicated Web Worker, or only the page's
// main thread? A real phone's slow CPU slows every thread, so work moved to a worker may only
// be credited in a 4× figure if the worker is throttled too. The same fixed busy loop is timed
// on the main thread and in a worker, at rate 1 and 4, interleaved.
//   node --import tsx bench/quality/worker-throttling.ts [rounds=4]
import http from "node:http";
import { launchBrowser } from "../../tests/support/browser";
import { summarize } from "../lib/report";

const ROUNDS = Number(process.argv[2] ?? 4);

// A busy loop that the JIT cannot drop (its result is returned), about 20–40 ms unthrottled here.
const BUSY = `function busy(n) { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) | 0; return x; }`;
const page = `<!doctype html><script>
${BUSY}
const worker = new Worker(URL.createObjectURL(new Blob([\`${BUSY}
onmessage = (e) => { const t = performance.now(); const x = busy(e.data); postMessage({ ms: performance.now() - t, x }); };\`])));
window.inWorker = (n) => new Promise((r) => { worker.onmessage = (e) => r(e.data.ms); worker.postMessage(n); });
window.onMain = (n) => { const t = performance.now(); busy(n); return performance.now() - t; };
</script>`;

const server = http.createServer((_req, res) => res.end(page));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const browser = await launchBrowser();
try {
  const p = await browser.newPage();
  await p.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  const cdp = await p.context().newCDPSession(p);
  const N = 60_000_000;
  // Warm-up: both loops compiled by the optimising tier before timing.
  for (let i = 0; i < 3; i++) {
    await p.evaluate((n) => (window as unknown as { onMain(n: number): number }).onMain(n), N);
    await p.evaluate((n) => (window as unknown as { inWorker(n: number): Promise<number> }).inWorker(n), N);
  }
  const ms: Record<string, number[]> = { "main 1×": [], "main 4×": [], "worker 1×": [], "worker 4×": [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const rate of r % 2 ? [4, 1] : [1, 4]) {
      await cdp.send("Emulation.setCPUThrottlingRate", { rate });
      for (let k = 0; k < 3; k++) {
        ms[`main ${rate}×`]!.push(await p.evaluate((n) => (window as unknown as { onMain(n: number): number }).onMain(n), N));
        ms[`worker ${rate}×`]!.push(await p.evaluate((n) => (window as unknown as { inWorker(n: number): Promise<number> }).inWorker(n), N));
      }
    }
  }
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  for (const [k, v] of Object.entries(ms)) {
    const s = summarize(v);
    console.log(`${k}: n ${s.n}, median ${s.median.toFixed(1)} ms, min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}`);
  }
  const med = (k: string) => summarize(ms[k]!).median;
  console.log(`4× / 1×: main ${(med("main 4×") / med("main 1×")).toFixed(2)}, worker ${(med("worker 4×") / med("worker 1×")).toFixed(2)}`);
} finally {
  await browser.close();
  server.close();
}
