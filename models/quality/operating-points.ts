// How the model's scores become a verdict: the thresholds (chosen on out-of-fold predictions
// of the TRAINING photographs only) and the rule that orders the reasons. train.ts writes the
// thresholds; the order of reasons is server/quality/order-reasons.ts, which the server and the
// evaluations share.
import type { Row } from "./dataset";
import { DEFECTS, type Defect } from "./defects";
import { bestF1Threshold, thresholdForFpr, type Scored } from "./metrics";
import { SEVERITY } from "./render-sample";

/** No defect at all (every label 0); includes acceptable slight blur, highlights, fingertips. */
export const isClean = (r: Row) => r.labels.overall === 0;
/**
 * Clean samples with NO acceptable-but-present degradation (no slight blur, no small
 * highlights, no fingertip; exposure within ±0.6 EV and noise σ ≤ 0.008 as every clean sample),
 * and the clean hard scenes: the training analogue of "a clean or mildly changed photo" that the
 * false-reject target is about. The other clean samples sit next to the defect boundary by design.
 */
export const isPristine = (r: Row) => isClean(r) && /^clean/.test(r.description) && !/slight|highlights|finger tip|edge object/.test(r.description);

/** Good samples whose clipped white pixels cover as much of the frame as the smallest glare defect. */
export const hasClippedWhites = (r: Row) => r.baselines.clipped >= SEVERITY.glare.defectMinWashedFraction;

/**
 * The rule until 2026-12-03: max F1 on out-of-fold predictions, raised so that at most maxFpr
 * of the samples labelled 0 FOR THAT DEFECT are flagged (for glare also of those with clipped
 * whites). Those negatives include samples with other defects, so the cap mixes "false reject
 * of a good photo" with "a blurred photo also called noisy", and max F1 raises thresholds further.
 */
export function maxF1CappedThresholds(rows: Row[], oof: number[][], maxFpr: number, withF1 = true): Record<Defect, number> {
  return Object.fromEntries(
    DEFECTS.map((d, k) => {
      const items: Scored[] = rows.map((r, i) => ({ score: oof[i]![k]!, label: r.labels[d] }));
      let t = Math.max(withF1 ? bestF1Threshold(items) : 0, thresholdForFpr(items, maxFpr));
      if (d === "glare") {
        const whites = rows.flatMap((r, i) => (r.labels.glare === 0 && hasClippedWhites(r) ? [{ score: oof[i]![k]!, label: 0 as const }] : []));
        t = Math.max(t, thresholdForFpr(whites, maxFpr));
      }
      return [d, t];
    }),
  ) as Record<Defect, number>;
}

export interface BudgetRule {
  /** Share of clean out-of-fold samples (no defect at all) that each defect may flag. */
  perDefect: number;
  /** The same share among clean samples with clipped whites, for glare and overexposure. */
  whites: number;
}

/**
 * A false-reject budget: each defect's threshold is the lowest that flags at most `perDefect`
 * of the CLEAN out-of-fold samples (every label 0), since a clean photo refused is what the
 * user pays for; glare and overexposure also at most `whites` of the clean samples with large
 * clipped whites (snow, clouds, white walls), which is where they are confused.
 */
export function budgetThresholds(rows: Row[], oof: number[][], rule: BudgetRule, good: (r: Row) => boolean = isClean): Record<Defect, number> {
  const clean = rows.flatMap((r, i) => (good(r) ? [i] : []));
  return Object.fromEntries(
    DEFECTS.map((d, k) => {
      let t = thresholdForFpr(clean.map((i) => ({ score: oof[i]![k]!, label: 0 as const })), rule.perDefect);
      if (d === "glare" || d === "overexposure") {
        const whites = clean.filter((i) => hasClippedWhites(rows[i]!)).map((i) => ({ score: oof[i]![k]!, label: 0 as const }));
        t = Math.max(t, thresholdForFpr(whites, rule.whites));
      }
      return [d, t];
    }),
  ) as Record<Defect, number>;
}

/** Share of good out-of-fold samples (default: clean) that some defect flags. */
export function cleanRejectRate(rows: Row[], oof: number[][], thresholds: Record<Defect, number>, good: (r: Row) => boolean = isClean): number {
  const clean = rows.flatMap((r, i) => (good(r) ? [i] : []));
  return clean.filter((i) => DEFECTS.some((d, k) => oof[i]![k]! >= thresholds[d])).length / clean.length;
}

/**
 * The largest equal per-defect budget (in steps of 0.25%) whose union over defects flags at most
 * `total` of the clean out-of-fold samples: the false-reject budget is spent where the defects'
 * false alarms overlap least.
 */
export function budgetForTotal(
  rows: Row[],
  oof: number[][],
  total: number,
  whites: number,
  good: (r: Row) => boolean = isClean,
): { rule: BudgetRule; thresholds: Record<Defect, number>; rate: number } {
  let best = { rule: { perDefect: 0, whites }, thresholds: budgetThresholds(rows, oof, { perDefect: 0, whites }, good), rate: 0 };
  for (let b = 0.0025; b <= total + 1e-9; b += 0.0025) {
    const rule = { perDefect: Number(b.toFixed(4)), whites };
    const thresholds = budgetThresholds(rows, oof, rule, good);
    const rate = cleanRejectRate(rows, oof, thresholds, good);
    if (rate > total) break;
    best = { rule, thresholds, rate };
  }
  return best;
}
