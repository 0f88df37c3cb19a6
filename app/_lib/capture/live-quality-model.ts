// The photo-quality model in the phone's browser: the very model file the server's gate
// judges with (checked against the SHA-256 the server names), run by onnxruntime-web's
// WebAssembly build served by our own server (server/http/live-quality-routes.ts). The
// runtime is loaded as a script only when the camera step opens, so a page that never
// captures never pays for it.
import type * as OrtTypes from "onnxruntime-web";
import { DEFECT_CODES, type DefectCode } from "../../../server/quality/defect-codes";

type Ort = typeof OrtTypes;
declare global {
  interface Window {
    ort?: Ort;
  }
}

const BASE = "/api/live-quality";

export interface LiveQualityManifest {
  modelSha256: string;
  /** onnxruntime-web's version: the runtime files' URLs carry it (cached for good, never mixed across upgrades). */
  runtimeVersion: string;
  inputName: string;
  width: number;
  height: number;
  outputs: string[];
  thresholds: Record<string, number>;
}

export interface LiveQualityModel {
  manifest: LiveQualityManifest;
  /** Scores per defect for each interleaved RGB window (height × width × 3). */
  judge(windows: Uint8Array[]): Promise<Record<DefectCode, number>[]>;
  /** Milliseconds the last judge() spent inside session.run (the benchmark's breakdown of a frame). */
  readonly lastRunMs: number;
}

const runtimeBase = (manifest: LiveQualityManifest) => `${BASE}/runtime/${encodeURIComponent(manifest.runtimeVersion)}/`;

function loadRuntimeScript(manifest: LiveQualityManifest): Promise<Ort> {
  // A page left open across a server upgrade may hold the previous version's script: its
  // JavaScript would ask for the new version's WebAssembly, so the new script replaces it.
  if (window.ort?.env.versions.web === manifest.runtimeVersion) return Promise.resolve(window.ort);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = `${runtimeBase(manifest)}ort.wasm.min.js`;
    script.async = true;
    script.onload = () => (window.ort ? resolve(window.ort) : reject(new Error("onnxruntime-web did not load")));
    script.onerror = () => reject(new Error("onnxruntime-web could not be fetched"));
    document.head.appendChild(script);
  });
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function load(): Promise<LiveQualityModel> {
  const manifestLoaded = fetch(`${BASE}/manifest`).then((r) => (r.ok ? (r.json() as Promise<LiveQualityManifest>) : Promise.reject(new Error(`manifest ${r.status}`))));
  // The manifest names the runtime's version, which the script's URL carries; the model comes meanwhile.
  const [ort, manifest, modelBytes] = await Promise.all([
    manifestLoaded.then(loadRuntimeScript),
    manifestLoaded,
    fetch(`${BASE}/model`).then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`model ${r.status}`)))),
  ]);
  // The hints must come from the gate's own model, not from a stale or altered copy.
  if ((await sha256Hex(modelBytes)) !== manifest.modelSha256) throw new Error("the model file does not match its manifest");
  ort.env.wasm.wasmPaths = runtimeBase(manifest);
  // One thread: threads need a cross-origin isolated page (COEP), and tried on the join page
  // they were no faster on the test machine (bench/quality/live-hints.ts: p95 254 vs 261 ms at 4×).
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const session = await ort.InferenceSession.create(new Uint8Array(modelBytes), { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const order = manifest.outputs;
  let lastRunMs = 0;
  return {
    manifest,
    get lastRunMs() {
      return lastRunMs;
    },
    async judge(windows) {
      const out: Record<DefectCode, number>[] = [];
      let runMs = 0;
      for (const rgb of windows) {
        const feeds = { [manifest.inputName]: new ort.Tensor("uint8", rgb, [1, manifest.height, manifest.width, 3]) };
        const t = performance.now();
        const result = await session.run(feeds);
        runMs += performance.now() - t;
        const raw = result.scores?.data as Float32Array | undefined;
        if (!raw) throw new Error("the model gave no scores");
        out.push(Object.fromEntries(DEFECT_CODES.map((d) => [d, Math.min(1, Math.max(0, raw[order.indexOf(d)] ?? 0))])) as Record<DefectCode, number>);
      }
      lastRunMs = runMs;
      return out;
    },
  };
}

let shared: Promise<LiveQualityModel> | null = null;

/** The page's one model; a failed load may be tried again later (a weak link at the roadside). */
export function loadLiveQualityModel(): Promise<LiveQualityModel> {
  shared ??= load().catch((err: unknown) => {
    shared = null;
    throw err;
  });
  return shared;
}
