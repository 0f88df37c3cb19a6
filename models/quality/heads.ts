// The learned part of the model: one small MLP head per defect over a subset of the fixed
// features, and the out-of-fold predictions (folds grouped by photograph) that thresholds and
// the order of reasons are chosen on. Shared by train.ts and operating-points-study.ts so that
// the study sees exactly the heads the model is built from.
import { predictHeads, type DefectHead } from "./build-model";
import type { Row } from "./dataset";
import { DEFECTS, type Defect } from "./defects";
import { trainMlp, type Label } from "./mlp";

// Blur heads see only sharpness, noise and brightness features: with 29 training photographs,
// colour and layout features let them memorise photographs instead of learning blur. They are
// also averaged over three seeds, which steadies them.
const SHARPNESS_FEATURES = /energy|ratio|angle|tile_log|direction|noise|lum_mean|lum_std/;
// The glare head sees brightness, clipping, dark-channel, colour and flat-tile features plus
// the shape and surroundings of the clipped region (glare_*), not sharpness or noise: with all
// features it learned "large clipped white area" and which photographs have one. Out of fold,
// this raised its ROC-AUC from 0.960 to 0.993 (see EVAL.md). Other heads do not see glare_*.
const GLARE_FEATURES = /^(glare_|lum_|frac_|dark_channel|white_tile|tile_lum|log_tile_std|tile_std|mean_)/;
const NOT_GLARE_SHAPE = /^(?!glare_)/;
export interface HeadSpec {
  features: RegExp;
  hidden: number;
  weightDecay: number;
  ensemble: number;
}
export const HEADS: Record<Defect, HeadSpec> = {
  motion_blur: { features: SHARPNESS_FEATURES, hidden: 16, weightDecay: 3e-3, ensemble: 3 },
  defocus: { features: SHARPNESS_FEATURES, hidden: 16, weightDecay: 3e-3, ensemble: 3 },
  underexposure: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  overexposure: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  glare: { features: GLARE_FEATURES, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  noise: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  obstruction: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
};
export const COMMON = { epochs: 120, batchSize: 64, learningRate: 3e-3 };
export const FOLDS = 4;

export function headFeatureIndices(featureNames: string[]): Record<Defect, number[]> {
  return Object.fromEntries(
    DEFECTS.map((d) => [d, featureNames.flatMap((n, i) => (HEADS[d].features.test(n) ? [i] : []))]),
  ) as Record<Defect, number[]>;
}

function fitHead(rows: Row[], defect: Defect, featureIndices: number[], seed: number): DefectHead {
  const spec = HEADS[defect];
  const usable = rows.filter((r) => r.labels[defect] !== null);
  const pos = usable.filter((r) => r.labels[defect] === 1).length;
  const x = usable.map((r) => Float64Array.from(featureIndices, (i) => r.features[i]!));
  const y: Label[][] = usable.map((r) => [r.labels[defect]]);
  const members = Array.from({ length: spec.ensemble }, (_, e) =>
    trainMlp(x, y, {
      ...COMMON,
      hidden: spec.hidden,
      weightDecay: spec.weightDecay,
      seed: seed + 1000 * e,
      positiveWeight: [pos === 0 ? 1 : Math.min(4, Math.sqrt((usable.length - pos) / pos))],
    }),
  );
  return { featureIndices, members };
}

export function fitAll(rows: Row[], indices: Record<Defect, number[]>, seed: number): DefectHead[] {
  return DEFECTS.map((d, k) => fitHead(rows, d, indices[d], seed + 17 * k));
}

/** Folds grouped by photograph: the fold of each photograph, in order of first appearance. */
export function photographFolds(rows: readonly { sourceId: string }[]): Map<string, number> {
  const ids = [...new Set(rows.map((r) => r.sourceId))];
  return new Map(ids.map((id, i) => [id, i % FOLDS]));
}

/** For each fold, the heads trained without its photographs. */
export function foldHeads(rows: Row[], indices: Record<Defect, number[]>, seed: number, onFold?: (f: number) => void): DefectHead[][] {
  const foldOf = photographFolds(rows);
  return Array.from({ length: FOLDS }, (_, f) => {
    const heads = fitAll(rows.filter((r) => foldOf.get(r.sourceId) !== f), indices, seed + f);
    onFold?.(f);
    return heads;
  });
}

const HALF = DEFECTS.map(() => 0.5);

/** The heads' score for each defect (in DEFECTS order) on one window's features. */
export function defectScores(heads: DefectHead[], features: ArrayLike<number>): number[] {
  return predictHeads(heads, HALF, features).slice(0, DEFECTS.length);
}

/** Each row scored by the heads of its photograph's fold, which never saw that photograph. */
export function predictOutOfFold(rows: Row[], foldOf: Map<string, number>, perFold: DefectHead[][]): number[][] {
  return rows.map((r) => {
    const fold = foldOf.get(r.sourceId);
    if (fold === undefined) throw new Error(`photograph ${r.sourceId} is in no fold`);
    return defectScores(perFold[fold]!, r.features);
  });
}

/** Out-of-fold scores (one per defect, in DEFECTS order): each photograph is scored by heads that never saw it. */
export function outOfFoldScores(rows: Row[], indices: Record<Defect, number[]>, seed: number, onFold?: (f: number) => void): number[][] {
  return predictOutOfFold(rows, photographFolds(rows), foldHeads(rows, indices, seed, onFold));
}
