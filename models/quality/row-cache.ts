// Rendering the training samples takes most of a training run (about a quarter of a second
// per sample on this machine, thousands of samples), while choosing heads and thresholds takes
// minutes. The rendered rows are kept in models/.cache (git-ignored), keyed by everything that
// decides their bytes: the renderer, the feature graph, the server's preprocessing, the
// photographs and the seed. Change any of these and the rows are rendered again.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type * as ort from "onnxruntime-node";
import { buildRows, type Row } from "./dataset";
import type { PhotoSource } from "./fetch-sources";
import type { RenderForms } from "./render-sample";

const HERE = import.meta.dirname;
const CACHE = path.resolve(HERE, "../.cache");

function inputFiles(): string[] {
  const degrade = readdirSync(path.join(HERE, "degrade")).filter((f) => f.endsWith(".ts")).sort().map((f) => path.join(HERE, "degrade", f));
  return [
    ...["render-sample.ts", "dataset.ts", "feature-graph.ts", "onnx-builder.ts", "build-model.ts", "baselines.ts", "random.ts", "defects.ts", "sources.json"].map((f) => path.join(HERE, f)),
    ...degrade,
    path.resolve(HERE, "../../server/quality/prepare-model-input.ts"),
  ];
}

export function rowCacheKey(sources: PhotoSource[], perSource: number, seed: number, extra = ""): string {
  const h = createHash("sha256");
  for (const f of inputFiles()) h.update(f).update(readFileSync(f));
  h.update(JSON.stringify({ ids: sources.map((s) => [s.id, s.sha256]), perSource, seed, extra }));
  return h.digest("hex").slice(0, 16);
}

interface StoredRow extends Omit<Row, "features"> {
  features: number[];
}

export async function cachedRows(
  name: string,
  key: string,
  build: () => Promise<Row[]>,
): Promise<{ rows: Row[]; fromCache: boolean; file: string }> {
  const file = path.join(CACHE, `rows-${name}-${key}.json`);
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, "utf8")) as StoredRow[];
    return { rows: stored.map((r) => ({ ...r, features: Float64Array.from(r.features) })), fromCache: true, file };
  }
  const rows = await build();
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, JSON.stringify(rows.map((r) => ({ ...r, features: Array.from(r.features) }))));
  return { rows, fromCache: false, file };
}

export async function cachedTrainingRows(
  sources: PhotoSource[],
  perSource: number,
  seed: number,
  session: ort.InferenceSession,
  onProgress?: (done: number, total: number) => void,
  forms: RenderForms = "base",
) {
  // "base" keeps the key it had before the forms existed, so existing caches stay valid.
  const key = rowCacheKey(sources, perSource, seed, forms === "base" ? "" : `forms=${forms}`);
  return cachedRows("train", key, () => buildRows(sources, perSource, seed, session, onProgress, forms));
}

/** The hash of a row-making file of this folder: its rows are made again when it changes. */
const makerHash = (file: string) => createHash("sha256").update(readFileSync(path.join(HERE, file))).digest("hex");

/** Clean hard scenes (hard-good-samples.ts) from the training photographs, cached like the rest. */
export async function cachedHardGoodRows(sources: PhotoSource[], perKind: number, seed: number, session: ort.InferenceSession) {
  const { buildHardGoodRows } = await import("./hard-good-samples");
  return cachedRows("hardgood", rowCacheKey(sources, perKind, seed, makerHash("hard-good-samples.ts")), () => buildHardGoodRows(sources, perKind, seed, session));
}

/** Clean whole frames of the training photographs (whole-frame-rows.ts), cached like the rest. */
export async function cachedWholeFrameRows(sources: PhotoSource[], session: ort.InferenceSession) {
  const { buildWholeFrameRows } = await import("./whole-frame-rows");
  return cachedRows("wholeframes", rowCacheKey(sources, 0, 0, makerHash("whole-frame-rows.ts")), () => buildWholeFrameRows(sources, session));
}
