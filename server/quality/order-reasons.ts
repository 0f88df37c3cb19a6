// Which reason comes first when several defects are over their thresholds. The first reason is
// what the policyholder is told to fix, so it must name the defect actually there.
// Ordered by margin over the threshold in logit units (log-odds): a score of 0.999 against a
// threshold of 0.99 is as far over as 0.91 against 0.5. The ratio score/threshold used before
// could never rank a high-threshold head (glare at 0.99: at most 1.01) above a low-threshold one
// (underexposure at 0.7: up to 1.4), so a dark blob was named "too dark" and glare came second.
// Chosen on out-of-fold predictions of the training photographs (models/quality/operating-points-study.ts).
import type { DefectCode } from "./model-manifest";

const logit = (p: number) => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));

export function reasonMargin(score: number, threshold: number): number {
  return logit(score) - logit(threshold);
}

/** Defects over their threshold, most severe first. */
export function orderReasons(scores: Record<DefectCode, number>, thresholds: Record<DefectCode, number>, defects: readonly DefectCode[]): DefectCode[] {
  return defects
    .filter((d) => scores[d] >= thresholds[d])
    .sort((a, b) => reasonMargin(scores[b], thresholds[b]) - reasonMargin(scores[a], thresholds[a]));
}
