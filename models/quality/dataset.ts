// Renders labelled samples from source photographs and turns each into model features by
// running it through the server's own preprocessing and the fixed feature graph.
import * as ort from "onnxruntime-node";
import { prepareModelInput, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../server/quality/prepare-model-input";
import { baselineScores, type BaselineScores } from "./baselines";
import type { Labels } from "./defects";
import type { PhotoSource } from "./fetch-sources";
import { hashString, Rng } from "./random";
import { loadSource, renderSample, type RenderForms } from "./render-sample";

export interface Row {
  sourceId: string;
  features: Float64Array;
  /** Model scores, when the session is the full model rather than the feature graph. */
  scores?: number[];
  labels: Labels;
  baselines: BaselineScores;
  description: string;
  /** highlightLevel() of the 640×480 pixels, where the rows were made from stored JPEGs (sample-cache.ts): the verdict's headroom rule needs it. */
  highlight?: number;
  /** shadowLevel() of the same pixels: the verdict's overexposure shadow rule needs it. */
  shadow?: number;
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
    for (let k = 0; k < perSource; k++) {
      const sample = await renderSample(image, sampleRng(src.id, seed, k), forms);
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

/**
 * The random stream of rendered sample k of a source photograph: the same for every script that
 * renders the training samples (buildRows, the row cache, headroom-level.ts), so they see the same samples.
 */
export function sampleRng(sourceId: string, seed: number, k: number): Rng {
  return new Rng(hashString(sourceId) ^ seed, k);
}
