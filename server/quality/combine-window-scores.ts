// One verdict from several windows of the same photo (see prepare-model-windows.ts).
// Obstruction and glare are local: a finger or a glare blob in ANY window spoils the photo, so
// they take the worst window. Blur, exposure and noise are properties of the whole frame (a
// camera shake blurs everything; exposure is judged on the picture as a whole, so a dark sky on
// one side of a bright scene is not "too dark"), so they take the mean over windows.
//
// judgeFrame is the verdict's one rule from window scores to reasons, used by the server's gate
// (assess-photo.ts) and the phone's live hints (app/_lib/capture/live-hints.ts) alike.
import { DEFECT_CODES, type DefectCode } from "./defect-codes";
import { frameHasHeadroom } from "./highlight-headroom";
import { frameShadowsLifted } from "./shadow-floor";
import { orderReasons } from "./order-reasons";

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
export function overallFromScores(
  scores: Record<DefectCode, number>,
  thresholds: Record<DefectCode, number>,
  defects: readonly DefectCode[] = DEFECT_CODES,
): number {
  if (defects.length === 0) return 0;
  return sigmoid(Math.max(...defects.map((d) => logit(scores[d]) - logit(thresholds[d]))));
}

/** One window as the model, highlight-headroom.ts and shadow-floor.ts judged it. */
export interface WindowJudgement {
  scores: Record<DefectCode, number>;
  /** highlightLevel() of the window's RGB. */
  highlight: number;
  /** shadowLevel() of the window's RGB. */
  shadow: number;
}

export interface FrameJudgement {
  /** Per-defect scores combined over windows (combineWindowScores). */
  scores: Record<DefectCode, number>;
  /** False when some window's highlights reach the level: the frame could not have been exposed longer. */
  hasHeadroom: boolean;
  /** False when some window keeps near-black: the frame could not have been exposed shorter. */
  shadowsLifted: boolean;
  /** overallFromScores over the defects the frame may be refused for: all of them, but underexposure only with headroom and overexposure only with lifted shadows. */
  overallScore: number;
  /** Those defects over their threshold, most severe first (order-reasons.ts). */
  reasons: DefectCode[];
}

/**
 * The verdict's rule. Underexposure is a reason only if the model's score is over its threshold
 * AND the frame has highlight headroom (highlight-headroom.ts): a night or dark-mood scene whose
 * lamps or windows already reach full scale is correctly exposed for its highlights, however dark
 * on average; an underexposed frame (the whole scene scaled down) leaves its brightest parts far
 * below full scale. Likewise overexposure is a reason only if the frame's shadows are lifted
 * (shadow-floor.ts): a bright scene that keeps near-black somewhere could not have been exposed
 * shorter. The scores themselves are reported unchanged.
 */
export function judgeFrame(windows: readonly WindowJudgement[], thresholds: Record<DefectCode, number>): FrameJudgement {
  const scores = combineWindowScores(windows.map((w) => w.scores));
  const hasHeadroom = frameHasHeadroom(windows.map((w) => w.highlight));
  const shadowsLifted = frameShadowsLifted(windows.map((w) => w.shadow));
  const judged = defectsJudged({ hasHeadroom, shadowsLifted });
  return {
    scores,
    hasHeadroom,
    shadowsLifted,
    overallScore: overallFromScores(scores, thresholds, judged),
    reasons: orderReasons(scores, thresholds, judged),
  };
}

/** The defects a frame may be refused for, given the exposure rules' answers for it (judgeFrame; models/quality/cross-eval/threshold-ceiling.ts). */
export function defectsJudged(exposure: { hasHeadroom: boolean; shadowsLifted: boolean }): DefectCode[] {
  return DEFECT_CODES.filter((d) => (d !== "underexposure" || exposure.hasHeadroom) && (d !== "overexposure" || exposure.shadowsLifted));
}

/**
 * Whether the frame is refused: some defect is a reason, or none is and the overall score still
 * reaches its threshold (the photo is then refused as "low_quality"). assessPhoto's verdict and
 * the held-out evaluation (models/quality/evaluate.ts) both ask this.
 */
export function frameRejected(frame: FrameJudgement, overallThreshold: number): boolean {
  return frame.reasons.length > 0 || frame.overallScore >= overallThreshold;
}
