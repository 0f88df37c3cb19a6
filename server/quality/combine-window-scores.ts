// One verdict from several windows of the same photo (see prepare-model-windows.ts).
// Obstruction and glare are local: a finger or a glare blob in ANY window spoils the photo, so
// they take the worst window. Blur, exposure and noise are properties of the whole frame (a
// camera shake blurs everything; exposure is judged on the picture as a whole, so a dark sky on
// one side of a bright scene is not "too dark"), so they take the mean over windows.
import { DEFECT_CODES, type DefectCode } from "./defect-codes";

export const WORST_WINDOW_DEFECTS: ReadonlySet<DefectCode> = new Set<DefectCode>(["obstruction", "glare"]);

const logit = (p: number) => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function combineWindowScores(perWindow: Record<DefectCode, number>[]): Record<DefectCode, number> {
  if (perWindow.length === 0) throw new Error("no window scores to combine");
  return Object.fromEntries(
    DEFECT_CODES.map((d) => {
      const values = perWindow.map((w) => w[d]);
      const v = WORST_WINDOW_DEFECTS.has(d) ? Math.max(...values) : values.reduce((a, b) => a + b, 0) / values.length;
      return [d, v];
    }),
  ) as Record<DefectCode, number>;
}

/**
 * The model's own rule for "overall" (see models/quality/build-model.ts), applied to the
 * combined scores: above 0.5 exactly when some defect is above its threshold.
 */
export function overallFromScores(scores: Record<DefectCode, number>, thresholds: Record<DefectCode, number>): number {
  return sigmoid(Math.max(...DEFECT_CODES.map((d) => logit(scores[d]) - logit(thresholds[d]))));
}
