// Renders labelled samples from source photographs and turns each into model features by
// running it through the server's own preprocessing and the fixed feature graph.
import * as ort from "onnxruntime-node";
import { prepareModelInput, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../server/quality/prepare-model-input";
import { baselineScores, type BaselineScores } from "./baselines";
import type { Labels } from "./defects";
import type { PhotoSource } from "./fetch-sources";
import { Rng } from "./random";
import { loadSource, renderSample, type RenderForms } from "./render-sample";

export interface Row {
  sourceId: string;
  features: Float64Array;
  /** Model scores, when the session is the full model rather than the feature graph. */
  scores?: number[];
  labels: Labels;
  baselines: BaselineScores;
  description: string;
}

export async function featureSession(modelBytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(Buffer.from(modelBytes), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "basic",
  });
}

export async function runModel(session: ort.InferenceSession, rgb: Uint8Array): Promise<{ features: Float64Array; scores?: number[] }> {
  const input = new ort.Tensor("uint8", rgb, [1, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, 3]);
  const out = await session.run({ rgb: input });
  return {
    features: Float64Array.from(out.features!.data as Float32Array),
    scores: out.scores ? Array.from(out.scores.data as Float32Array) : undefined,
  };
}

/** Sample k of source s always gets the same random stream, whatever else is generated. */
export async function buildRows(
  sources: PhotoSource[],
  perSource: number,
  seed: number,
  session: ort.InferenceSession,
  onProgress?: (done: number, total: number) => void,
  forms: RenderForms = "base",
): Promise<Row[]> {
  const rows: Row[] = [];
  const total = sources.length * perSource;
  for (const src of sources) {
    const image = await loadSource(src.id, src.file);
    const sourceSeed = hashString(src.id) ^ seed;
    for (let k = 0; k < perSource; k++) {
      const sample = await renderSample(image, new Rng(sourceSeed, k), forms);
      const { rgb } = await prepareModelInput(sample.jpeg);
      const { features, scores } = await runModel(session, rgb);
      rows.push({
        sourceId: src.id,
        features,
        scores,
        labels: sample.labels,
        baselines: baselineScores(rgb, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT),
        description: sample.description,
      });
      onProgress?.(rows.length, total);
    }
  }
  return rows;
}

/** FNV-1a of a string: a stable per-sample seed from its name. */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
