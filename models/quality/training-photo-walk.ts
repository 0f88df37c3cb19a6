// The walk the training-only probes share (headroom-level.ts, structure-probe.ts): over the
// committed model's TRAINING photographs (split "train" of sources.json, checked against the
// photographs the model itself says it was trained on, so a changed split cannot slip held-out
// photographs in), render each photograph's clean hard scenes of one kind and the model's own
// samples (same seed and stream as train.ts), and hand each image to the probe as the model
// sees it (the 640x480 window an upload becomes) with the model's scores. No held-out,
// unseen-source, candidate or cross-generator image is read.
import type { QualityModel } from "../../server/quality/load-quality-model";
import { prepareModelInput } from "../../server/quality/prepare-model-input";
import { runModel, sampleRng } from "./dataset";
import { fetchSources } from "./fetch-sources";
import { hardGoodRng, renderHardGood, type HardGoodKind } from "./hard-good-samples";
import { loadSource, renderSample, type RenderedSample } from "./render-sample";

export interface TrainingWalk {
  perSource: number;
  seed: number;
  /** Clean hard scenes rendered before each photograph's samples (none if left out). */
  hard?: { kind: HardGoodKind; count: number; seed: number };
}

/** One image as the model judged it: its 640x480 RGB window and the model's scores, in manifest output order. */
interface Judged {
  sourceId: string;
  description: string;
  rgb: Uint8Array;
  scores: number[];
}

export type WalkImage = (Judged & { kind: "hard" }) | (Judged & { kind: "sample"; labels: RenderedSample["labels"] });

export async function walkTrainingPhotos(model: QualityModel, walk: TrainingWalk, visit: (image: WalkImage) => Promise<void>): Promise<void> {
  const train = fetchSources(["train"]);
  const trainIds = new Set(model.manifest.training.trainingPhotographs as string[]);
  if (train.length !== trainIds.size || train.some((s) => !trainIds.has(s.id))) throw new Error("train split differs from the model's training photographs");
  const judge = async (jpeg: Buffer) => {
    const { rgb } = await prepareModelInput(jpeg);
    const { scores } = await runModel(model.session, rgb);
    if (!scores) throw new Error("the quality model gave no scores");
    return { rgb, scores };
  };
  const t0 = performance.now();
  let images = 0;
  for (const [s, src] of train.entries()) {
    const image = await loadSource(src.id, src.file);
    for (let j = 0; walk.hard && j < walk.hard.count; j++) {
      const hg = await renderHardGood(image, walk.hard.kind, hardGoodRng(walk.hard.seed, s, walk.hard.kind, j));
      await visit({ kind: "hard", sourceId: src.id, description: hg.description, ...(await judge(hg.jpeg)) });
      images++;
    }
    for (let k = 0; k < walk.perSource; k++) {
      const sample = await renderSample(image, sampleRng(src.id, walk.seed, k), "base");
      await visit({ kind: "sample", sourceId: src.id, description: sample.description, labels: sample.labels, ...(await judge(sample.jpeg)) });
      images++;
    }
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${src.id}: ${images} images`);
  }
}
