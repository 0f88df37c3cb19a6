// Thresholds checked against whole photographs, as the server judges them (issue 12). The
// rendered training samples that the capped max-F1 rule is set on sit next to the defect
// boundary by design (slight blur, ±0.6 EV, small highlights), so that rule sets thresholds
// high; the issue's own measure of false rejects is clean and mildly changed copies of
// photographs. Here that measure is taken on the TRAINING photographs only, out of fold: each
// photograph's copies (clean, JPEG q75, ±10% brightness, resized to 60%; at 1600×1200 and
// 1920×1080) are cut into the server's windows and scored by heads trained without that
// photograph, the windows combined as the server combines them. Clean hard scenes (haze, night;
// hard-good-samples.ts) of the same photographs, scored out of fold too, guard the other side.
// Nothing of the held-out photographs is used.
import type * as ort from "onnxruntime-node";
import { combineWindowScores } from "../../server/quality/combine-window-scores";
import type { DefectCode } from "../../server/quality/defect-codes";
import { prepareModelWindows } from "../../server/quality/prepare-model-windows";
import type { DefectHead } from "./build-model";
import { baseFrame, cleanCopy, MILD_CHANGES, mildCopy } from "./cross-eval/second-generator";
import { runModel } from "./dataset";
import { DEFECTS, type Defect } from "./defects";
import type { PhotoSource } from "./fetch-sources";
import { defectScores } from "./heads";

export const CALIBRATION_SIZES = [
  [1600, 1200],
  [1920, 1080],
] as const;

export interface CopyScores {
  sourceId: string;
  copy: string;
  /** Combined over windows, in DEFECTS order. */
  scores: number[];
}

/** Out-of-fold scores of each training photograph's clean and mildly changed copies. */
export async function outOfFoldCopyScores(
  photos: PhotoSource[],
  foldOf: Map<string, number>,
  foldHeads: DefectHead[][],
  session: ort.InferenceSession,
  onPhoto?: (done: number, total: number) => void,
): Promise<CopyScores[]> {
  const out: CopyScores[] = [];
  for (const [p, photo] of photos.entries()) {
    const fold = foldOf.get(photo.id);
    if (fold === undefined) throw new Error(`photograph ${photo.id} is in no fold`);
    for (const [w, h] of CALIBRATION_SIZES) {
      const base = await baseFrame(photo.file, w, h);
      const copies: [string, Buffer][] = [["clean", await cleanCopy(base)]];
      for (const change of MILD_CHANGES) copies.push([change, await mildCopy(base, change)]);
      for (const [copy, jpeg] of copies) {
        const { windows } = await prepareModelWindows(new Uint8Array(jpeg));
        const perWindow: Record<DefectCode, number>[] = [];
        for (const rgb of windows) {
          const { features } = await runModel(session, rgb);
          const s = defectScores(foldHeads[fold]!, features);
          perWindow.push(Object.fromEntries(DEFECTS.map((d, k) => [d, s[k]!])) as Record<DefectCode, number>);
        }
        const combined = combineWindowScores(perWindow);
        out.push({ sourceId: photo.id, copy: `${copy} ${w}×${h}`, scores: DEFECTS.map((d) => combined[d]) });
      }
    }
    onPhoto?.(p + 1, photos.length);
  }
  return out;
}

export interface CalibrationBudget {
  /** Largest share of the clean and mildly changed copies one defect may refuse. */
  perDefectCopies: number;
  /**
   * Defects whose threshold may also be RAISED to hold the budget (trial of 2026-12-06,
   * models/quality/TWO-WAY-RULE.md). Underexposure is never among them: by the product's rule a
   * dark frame with highlight headroom is underexposed however it was meant, so a dark-mood
   * training photograph's copies refused for it are not false rejects to calibrate away.
   */
  mayRaise?: readonly Defect[];
}

/**
 * Lowers a defect's threshold to the lowest value at which it refuses no more than the budget
 * of the clean and mildly changed copies, and no more of the clean hard scenes than it does at
 * the threshold it had. A defect in `mayRaise` whose threshold refuses more than the budget is
 * raised to the lowest value that holds it; the others are never raised.
 */
export function calibratedThresholds(
  current: Record<Defect, number>,
  copies: CopyScores[],
  hardScores: number[][],
  budget: CalibrationBudget,
): Record<Defect, number> {
  const out = { ...current };
  DEFECTS.forEach((d, k) => {
    const copyScores = copies.map((c) => c.scores[k]!).sort((a, b) => b - a);
    const allowed = Math.floor(budget.perDefectCopies * copyScores.length);
    // Above the (allowed+1)-th highest copy score, at most `allowed` copies are refused.
    const byCopies = (copyScores[allowed] ?? 0) + 1e-4;
    if (byCopies > current[d]) {
      if (budget.mayRaise?.includes(d)) out[d] = Math.min(Math.ceil(byCopies * 1e4) / 1e4, 0.9999);
      return;
    }
    const hardNow = hardScores.filter((s) => s[k]! >= current[d]).length;
    const hardSorted = hardScores.map((s) => s[k]!).sort((a, b) => b - a);
    const byHard = (hardSorted[hardNow] ?? 0) + 1e-4;
    out[d] = Number(Math.min(current[d], Math.max(byCopies, byHard)).toFixed(4));
  });
  return out;
}
