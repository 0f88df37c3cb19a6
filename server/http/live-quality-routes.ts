// What the phone needs to run the photo-quality model on its camera preview
// (app/_lib/capture/live-hints.ts): the verified model file the server judges
// with, its thresholds, and onnxruntime-web's WebAssembly runtime, all served
// by this server so that nothing is downloaded from elsewhere. The model and
// runtime are public parts of an open-source product; no secret is served.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../app-context";
import { loadQualityModel } from "../quality/load-quality-model";
import { sendTranslatedError } from "./request-guards";

/** The three files of onnxruntime-web's plain WebAssembly build (no WebGPU, no JSEP). */
export const LIVE_QUALITY_RUNTIME_FILES: Readonly<Record<string, string>> = {
  "ort.wasm.min.js": "text/javascript; charset=utf-8",
  "ort-wasm-simd-threaded.mjs": "text/javascript; charset=utf-8",
  "ort-wasm-simd-threaded.wasm": "application/wasm",
};

let runtimeDir: string | undefined;
function onnxRuntimeWebDist(): string {
  // The package's main entry lives in its dist folder, beside the files served.
  runtimeDir ??= path.dirname(createRequire(import.meta.url).resolve("onnxruntime-web"));
  return runtimeDir;
}

const runtimeCache = new Map<string, Promise<Buffer>>();

export async function serveLiveQualityRuntime(req: IncomingMessage, res: ServerResponse, file: string): Promise<void> {
  const type = Object.hasOwn(LIVE_QUALITY_RUNTIME_FILES, file) ? LIVE_QUALITY_RUNTIME_FILES[file] : undefined;
  if (!type) return sendTranslatedError(req, res, 404, "NOT_FOUND", "error.notFound");
  let pending = runtimeCache.get(file);
  if (!pending) {
    pending = readFile(path.join(onnxRuntimeWebDist(), file));
    runtimeCache.set(file, pending);
    pending.catch(() => runtimeCache.delete(file));
  }
  const bytes = await pending;
  // The files change only with the package version, which a new build of the pages names anew.
  res.writeHead(200, { "Content-Type": type, "Content-Length": bytes.length, "Cache-Control": "public, max-age=86400" });
  res.end(req.method === "HEAD" ? undefined : bytes);
}

export async function serveLiveQualityModel(app: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const model = await loadQualityModel(app.env.QUALITY_MODEL_DIR);
  res.writeHead(200, {
    "Content-Type": "application/octet-stream",
    "Content-Length": model.bytes.length,
    ETag: `"${model.sha256}"`,
    "X-Model-Sha256": model.sha256,
    "Cache-Control": "no-cache",
  });
  res.end(model.bytes);
}

/** The model's input name, output order and decision thresholds: what the phone needs to read its scores as the server does. */
export async function serveLiveQualityManifest(app: AppContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { manifest, sha256 } = await loadQualityModel(app.env.QUALITY_MODEL_DIR);
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" });
  res.end(JSON.stringify({ modelSha256: sha256, inputName: manifest.input.name, width: manifest.input.width, height: manifest.input.height, outputs: manifest.outputs, thresholds: manifest.thresholds }));
}
