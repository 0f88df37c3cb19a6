// The steps of one live-hints frame alone, in a blank Chromium page, variant against variant:
// the grab (app/_lib/capture/preview-window.ts of this checkout against the one at --before=REF)
// and the model's session.run under different onnxruntime-web options. Variants alternate
// call by call, as is and with the main thread throttled 4× (DevTools' CPU throttling), so
// a load that comes and goes falls on all of them. No call, no React: this isolates the
// steps; bench/quality/live-hints.ts measures them in the real page.
//   node --import tsx bench/quality/live-hints-steps.ts [runs=20] [--before=REF] [--smoothing] [--canvas-gpu] [--grab-only]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { build } from "esbuild";
import { launchBrowser } from "../../tests/support/browser";
import { y4mFromPhoto } from "../../tests/support/fake-camera";
import { summarize } from "../lib/report";

const root = path.resolve(import.meta.dirname, "../..");
const RUNS = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 20);
const before = process.argv.find((a) => a.startsWith("--before="))?.slice("--before=".length) ?? "main";
const ortDir = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-web"));

// The old preview-window.ts beside the new one (same folder depth, so its imports resolve), bundled for the page.
const work = mkdtempSync(path.join(root, "app/_lib/capture/.steps-"));
let bundles = "window.__grab = {};\n";
const editedFiles: string[] = [];
try {
  const oldFile = path.join(work, "preview-window.ts");
  writeFileSync(oldFile, execFileSync("git", ["-C", root, "show", `${before}:app/_lib/capture/preview-window.ts`]).toString().replaceAll("../../../server/", "../../../../server/"));
  // --smoothing: also this checkout's file with imageSmoothingQuality "medium" and "low" instead of "high".
  const variants: [string, string][] = [
    ["before", oldFile],
    ["after", path.join(root, "app/_lib/capture/preview-window.ts")],
  ];
  const edited: [string, string, string][] = [];
  if (process.argv.includes("--smoothing")) for (const q of ["medium", "low"]) edited.push([`after-${q}`, 'imageSmoothingQuality = "high"', `imageSmoothingQuality = "${q}"`]);
  // --canvas-gpu: a canvas without willReadFrequently (accelerated where the browser has a GPU; SwiftShader here).
  if (process.argv.includes("--canvas-gpu")) edited.push(["after-gpu-canvas", "willReadFrequently: true", "willReadFrequently: false"]);
  for (const [name, from, to] of edited) {
    const f = path.join(root, `app/_lib/capture/.steps-${name}.ts`);
    writeFileSync(f, readFileSync(path.join(root, "app/_lib/capture/preview-window.ts"), "utf8").replace(from, to));
    editedFiles.push(f);
    variants.push([name, f]);
  }
  for (const [name, file] of variants) {
    const out = await build({ entryPoints: [file], bundle: true, format: "iife", globalName: "__m", write: false, target: "es2020" });
    bundles += `${out.outputFiles[0]!.text}\nwindow.__grab[${JSON.stringify(name)}] = __m;\n`;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  for (const f of editedFiles) rmSync(f, { force: true });
}

const model = readFileSync(path.join(root, "models/quality/model.onnx"));
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/model") return res.end(model);
  if (url.pathname.startsWith("/ort/")) {
    const f = path.basename(url.pathname);
    res.writeHead(200, { "content-type": f.endsWith(".wasm") ? "application/wasm" : "text/javascript" });
    return res.end(readFileSync(path.join(ortDir, f)));
  }
  res.writeHead(200, { "content-type": "text/html" });
  res.end(`<!doctype html><html><body><script src="/ort/ort.wasm.min.js"></script><script>${bundles.replace(/<\/script/gi, "<\\/script")}</script></body></html>`);
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const camera = y4mFromPhoto(path.join(root, "tests/fixtures/photos/city-sharp.jpg"), 4, 15, { width: 1280, height: 720 });
const browser = await launchBrowser({ fakeVideoFile: camera });
type Samples = Record<string, number[]>;
const ms: Samples = {};
const push = (k: string, v: number) => (ms[k] ??= []).push(v);
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  // A string, not a function: tsx would wrap inner arrows in a helper the page lacks.
  await page.evaluate(`(async () => {
    const video = document.createElement("video");
    video.muted = true;
    video.playsInline = true;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
    await video.play();
    while (video.readyState < 2 || !video.videoWidth) await new Promise((r) => setTimeout(r, 50));
    window.__video = video;
    window.__canvases = Object.fromEntries(Object.keys(window.__grab).map((k) => [k, document.createElement("canvas")]));
    // The page keeps one RGB buffer for every frame (live-hints.ts); a version that takes none ignores it.
    const out = new Uint8Array(640 * 480 * 3);
    window.grabOnce = (name, i) => {
      const t = performance.now();
      const cut = window.__grab[name].previewWindow(video, window.__canvases[name], i, out);
      const all = performance.now() - t;
      window.__lastRgb = cut.rgb;
      return { all, ...(cut.ms || {}) };
    };
    ort.env.wasm.wasmPaths = "/ort/";
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    const bytes = new Uint8Array(await (await fetch("/model")).arrayBuffer());
    const variants = {
      all: { executionProviders: ["wasm"], graphOptimizationLevel: "all" },
      extended: { executionProviders: ["wasm"], graphOptimizationLevel: "extended" },
      basic: { executionProviders: ["wasm"], graphOptimizationLevel: "basic" },
      noArena: { executionProviders: ["wasm"], graphOptimizationLevel: "all", enableCpuMemArena: false, enableMemPattern: false },
    };
    window.__sessions = {};
    for (const [k, o] of Object.entries(variants)) window.__sessions[k] = await ort.InferenceSession.create(bytes, o);
    const rgb = new Uint8Array(640 * 480 * 3);
    window.__tensor = new ort.Tensor("uint8", rgb, [1, 480, 640, 3]);
    window.runOnce = async (k, reuse, onlyScores) => {
      const rgbNow = window.__lastRgb || rgb;
      if (reuse) rgb.set(rgbNow);
      const feeds = { rgb: reuse ? window.__tensor : new ort.Tensor("uint8", rgbNow, [1, 480, 640, 3]) };
      const t = performance.now();
      const r = onlyScores ? await window.__sessions[k].run(feeds, ["scores"]) : await window.__sessions[k].run(feeds);
      const d = performance.now() - t;
      if (!r.scores) throw new Error("no scores");
      return d;
    };
  })()`);
  const cdp = await page.context().newCDPSession(page);
  const grabOnce = (name: string, i: number) => page.evaluate(`window.grabOnce(${JSON.stringify(name)}, ${i})`) as Promise<Record<string, number>>;
  const runOnce = (k: string, reuse = false, onlyScores = false) => page.evaluate(`window.runOnce(${JSON.stringify(k)}, ${reuse}, ${onlyScores})`) as Promise<number>;
  const modelVariants: [string, () => Promise<number>][] = [
    ["run all", () => runOnce("all")],
    ["run all, scores only", () => runOnce("all", false, true)],
    ["run extended", () => runOnce("extended")],
    ["run basic", () => runOnce("basic")],
    ["run all, no arena/pattern", () => runOnce("noArena")],
  ];
  // Warm-up at full speed.
  const grabNames = (await page.evaluate("Object.keys(window.__grab)")) as string[];
  for (let i = 0; i < 3; i++) {
    for (const n of grabNames) await grabOnce(n, i);
    for (const [, f] of modelVariants) await f();
  }
  for (let r = 0; r < RUNS; r++) {
    for (const rate of r % 2 ? [4, 1] : [1, 4]) {
      await cdp.send("Emulation.setCPUThrottlingRate", { rate });
      const names = r % 2 ? [...grabNames].reverse() : grabNames;
      for (const n of names) {
        const g = await grabOnce(n, r);
        for (const [k, v] of Object.entries(g)) push(`grab ${n} ${k} ${rate}×`, v);
        await page.waitForTimeout(70);
      }
      const order = process.argv.includes("--grab-only") ? [] : r % 2 ? [...modelVariants].reverse() : modelVariants;
      for (const [k, f] of order) push(`${k} ${rate}×`, await f());
    }
  }
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
} finally {
  await browser.close();
  server.close();
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const [k, v] of Object.entries(ms).sort(([a], [b]) => a.localeCompare(b))) {
  const s = summarize(v);
  console.log(`${k.padEnd(40)} n ${s.n}  median ${s.median.toFixed(1)}  p95 ${s.p95.toFixed(1)}`);
}
