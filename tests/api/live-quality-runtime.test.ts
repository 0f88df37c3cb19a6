// The live hints' WebAssembly runtime as the running product serves it: the manifest names
// the installed onnxruntime-web version, the runtime files live under that version (so they
// may be cached for good), and a page from before an upgrade asking for another version
// gets a plain 404 in its language, never yesterday's script beside today's WebAssembly.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { startProductProcess, type RunningProduct } from "../support/product-process";

const running: RunningProduct[] = [];
after(async () => {
  for (const p of running) await p.stop();
});

const dist = path.dirname(createRequire(import.meta.url).resolve("onnxruntime-web"));
const installed = (JSON.parse(readFileSync(path.join(dist, "..", "package.json"), "utf8")) as { version: string }).version;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("runtime files are served under the installed version, cached for good; another version is a 404", async () => {
  const product = await startProductProcess({ pages: "none" });
  running.push(product);

  const manifest = (await (await fetch(`${product.url}/api/live-quality/manifest`)).json()) as { runtimeVersion: string };
  assert.equal(manifest.runtimeVersion, installed, "the manifest names the installed onnxruntime-web");

  for (const [file, type] of [
    ["ort.wasm.min.js", /javascript/],
    ["ort-wasm-simd-threaded.mjs", /javascript/],
    ["ort-wasm-simd-threaded.wasm", /^application\/wasm$/],
  ] as const) {
    const r = await fetch(`${product.url}/api/live-quality/runtime/${manifest.runtimeVersion}/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get("content-type") ?? "", type, file);
    assert.match(r.headers.get("cache-control") ?? "", /immutable/, `${file}: cached for good under its version`);
    assert.equal(sha(new Uint8Array(await r.arrayBuffer())), sha(readFileSync(path.join(dist, file))), `${file}: the package's own bytes`);
  }

  const stale = await fetch(`${product.url}/api/live-quality/runtime/1.0.0/ort.wasm.min.js`, { headers: { "Accept-Language": "zh-CN" } });
  assert.equal(stale.status, 404);
  const body = (await stale.json()) as { error: { code: string; message: unknown } };
  assert.equal(body.error.code, "NOT_FOUND");
  assert.match(JSON.stringify(body.error.message), /未找到/);
  assert.doesNotMatch(JSON.stringify(body), /node_modules|\/work\//, "no server path in the answer");

  const unknown = await fetch(`${product.url}/api/live-quality/runtime/${manifest.runtimeVersion}/package.json`);
  assert.equal(unknown.status, 404, "only the three runtime files are served");
});
