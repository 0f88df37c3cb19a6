// The held-out samples of evaluate.ts are rendered once per renderer version and seed and kept
// as JPEG files in models/.cache (git-ignored): rendering takes most of an evaluation run, and
// keeping the exact bytes lets several models be judged on the same samples. Each sample is
// then run through the server's preprocessing and the model under evaluation as before.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type * as ort from "onnxruntime-node";
import { prepareModelInput, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../server/quality/prepare-model-input";
import { windowTones } from "../../server/quality/window-tones";
import { baselineScores } from "./baselines";
import { runModel, sampleRng, type Row } from "./dataset";
import type { Labels } from "./defects";
import type { PhotoSource } from "./fetch-sources";
import { loadSource, renderSample, type RenderForms } from "./render-sample";
import { rowCacheKey } from "./row-cache";

interface StoredSample {
  sourceId: string;
  file: string;
  labels: Labels;
  description: string;
}

export async function cachedSampleRows(
  name: string,
  sources: PhotoSource[],
  perSource: number,
  seed: number,
  session: ort.InferenceSession,
  onProgress?: (done: number, total: number) => void,
  forms: RenderForms = "base",
): Promise<Row[]> {
  const key = rowCacheKey(sources, perSource, seed, forms === "base" ? "" : `forms=${forms}`);
  const dir = path.resolve(import.meta.dirname, `../.cache/samples-${name}-${key}`);
  const index = path.join(dir, "samples.json");
  if (!existsSync(index)) {
    mkdirSync(dir, { recursive: true });
    const stored: StoredSample[] = [];
    for (const src of sources) {
      const image = await loadSource(src.id, src.file);
      for (let k = 0; k < perSource; k++) {
        const sample = await renderSample(image, sampleRng(src.id, seed, k), forms);
        const file = `${src.id}_${k}.jpg`;
        writeFileSync(path.join(dir, file), sample.jpeg);
        stored.push({ sourceId: src.id, file, labels: sample.labels, description: sample.description });
        onProgress?.(stored.length, sources.length * perSource);
      }
    }
    writeFileSync(index, JSON.stringify(stored));
  }
  const stored = JSON.parse(readFileSync(index, "utf8")) as StoredSample[];
  const rows: Row[] = [];
  for (const s of stored) {
    const { rgb } = await prepareModelInput(readFileSync(path.join(dir, s.file)));
    const { features, scores } = await runModel(session, rgb);
    rows.push({
      sourceId: s.sourceId,
      features,
      scores,
      labels: s.labels,
      baselines: baselineScores(rgb, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT),
      description: s.description,
      ...windowTones(rgb),
    });
  }
  return rows;
}
