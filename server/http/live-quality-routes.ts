// What the phone needs to run the photo-quality model on its camera preview
// (app/_lib/capture/live-hints.ts): the verified model file the server judges
// with, its thresholds, and onnxruntime-web's WebAssembly runtime, all served
// by this server so that nothing is downloaded from elsewhere. The model and
// runtime are public parts of an open-source product; no secret is served.
import { readFileSync } from "node:fs";
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

let runtimeVersion: string | undefined;
/**
 * The installed onnxruntime-web's version. It is part of the runtime files' URL, so that
 * they can be cached for good: after an upgrade a phone never pairs yesterday's script
 * with today's WebAssembly, it asks for new URLs.
 */
export function liveQualityRuntimeVersion(): string {
  runtimeVersion ??= (JSON.parse(readFileSync(path.join(onnxRuntimeWebDist(), "..", "package.json"), "utf8")) as { version: string }).version;
  return runtimeVersion;
}

const runtimeCache = new Map<string, Promise<Buffer>>();

export async function serveLiveQualityRuntime(req: IncomingMessage, res: ServerResponse, version: string, file: string): Promise<void> {
  const type = Object.hasOwn(LIVE_QUALITY_RUNTIME_FILES, file) ? LIVE_QUALITY_RUNTIME_FILES[file] : undefined;
  // Another version than the one installed: a page from before an upgrade, which reloads the manifest and asks again.
  if (!type || version !== liveQualityRuntimeVersion()) return sendTranslatedError(req, res, 404, "NOT_FOUND", "error.notFound");
  let pending = runtimeCache.get(file);
  if (!pending) {
    pending = readFile(path.join(onnxRuntimeWebDist(), file));
    runtimeCache.set(file, pending);
    pending.catch(() => runtimeCache.delete(file));
  }
  const bytes = await pending;
  // The URL names the version, and a version's files never change.
  res.writeHead(200, { "Content-Type": type, "Content-Length": bytes.length, "Cache-Control": "public, max-age=31536000, immutable" });
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
  res.end(JSON.stringify({ modelSha256: sha256, runtimeVersion: liveQualityRuntimeVersion(), inputName: manifest.input.name, width: manifest.input.width, height: manifest.input.height, outputs: manifest.outputs, thresholds: manifest.thresholds }));
}
