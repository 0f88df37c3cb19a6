// An upper bound on what thresholds alone can do with a model's scores on a cross-generator run
// (threshold-ceiling.ts prints it). A photo is refused when some defect's score reaches its
// threshold and the exposure rules let that defect be a reason (judgeFrame). If all thresholds
// together refuse at most a share B of the clean and mildly changed photos, each one alone does
// too, so each threshold is at least t*_d, the lowest at which defect d alone refuses at most B of
// them. Detection only falls as a threshold rises, so no set of thresholds within the budget
// detects more of a defect than all seven at their t*_d do (which together refuse far more than
// B). A kind of defect under the target even there cannot reach it by any threshold or reason
// order: the scores' ranking itself has to improve. The t*_d are read off the evaluation's own
// images, an oracle no real gate has, which makes the bound more generous still.
import { defectsJudged } from "../../../server/quality/combine-window-scores";
import { DEFECT_CODES, type DefectCode } from "../../../server/quality/model-manifest";

export interface JudgedImage {
  kind: "clean" | "mild" | "hard" | "defect";
  variant: string;
  scores: Record<string, number>;
  /** judgeFrame's exposure rules for this frame: underexposure may be a reason only with headroom, overexposure only with lifted shadows. */
  hasHeadroom: boolean;
  shadowsLifted: boolean;
}

/** The score defect d can be refused on, or null where an exposure rule keeps it from being a reason (the server's defectsJudged). */
function reasonScore(r: JudgedImage, d: DefectCode): number | null {
  return defectsJudged(r).includes(d) ? (r.scores[d] ?? null) : null;
}

/** Whether d is a reason at threshold t (the server's rule: score ≥ threshold). */
export function isReason(r: JudgedImage, d: DefectCode, t: number): boolean {
  const s = reasonScore(r, d);
  return s !== null && s >= t;
}

export function refusedAt(r: JudgedImage, thresholds: Record<DefectCode, number>): boolean {
  return DEFECT_CODES.some((d) => isReason(r, d, thresholds[d]));
}

/** The lowest threshold at which defect d alone refuses at most `budget` of the good images (-Infinity: any). */
export function lowestWithinBudget(good: readonly JudgedImage[], d: DefectCode, budget: number): number {
  const s = good.map((r) => reasonScore(r, d)).filter((x): x is number => x !== null).sort((a, b) => b - a);
  const allowed = Math.floor(budget * good.length + 1e-9);
  if (s.length <= allowed) return -Infinity;
  // Just above the (allowed+1)-th highest score: only scores strictly above it are refused.
  return s[allowed]! + 1e-12;
}

export interface KindCeiling {
  variant: string;
  expected: DefectCode;
  images: number;
  /** Refused at the given (committed) thresholds. */
  detectedCommitted: number;
  /** Refused with every defect at its t*: no thresholds within the budget refuse more. */
  detectedBound: number;
  /** Refused for its expected reason at that reason's t*. */
  detectedByOwnReason: number;
  /** Good images its expected reason alone refuses at the threshold that detects the target share; null if the rules withhold that reason from too many. */
  goodRefusedAtTarget: number | null;
}

export interface ThresholdCeiling {
  good: number;
  ceiling: Record<DefectCode, number>;
  /** Good images each defect alone refuses at its t*. */
  goodRefusedAlone: Record<DefectCode, number>;
  /** Good images all seven at their t* refuse together. */
  goodRefusedAll: number;
  kinds: KindCeiling[];
}

export function thresholdCeiling(
  images: readonly JudgedImage[],
  thresholds: Record<DefectCode, number>,
  expected: Record<string, string>,
  budget: number,
  target: number,
): ThresholdCeiling {
  const good = images.filter((r) => r.kind === "clean" || r.kind === "mild");
  const bad = images.filter((r) => r.kind === "defect");
  const ceiling = Object.fromEntries(DEFECT_CODES.map((d) => [d, lowestWithinBudget(good, d, budget)])) as Record<DefectCode, number>;
  const goodRefusedAlone = Object.fromEntries(DEFECT_CODES.map((d) => [d, good.filter((r) => isReason(r, d, ceiling[d])).length])) as Record<DefectCode, number>;
  const kinds = [...new Set(bad.map((r) => r.variant))].map((variant): KindCeiling => {
    const rs = bad.filter((r) => r.variant === variant);
    const d = expected[variant] as DefectCode;
    if (!DEFECT_CODES.includes(d)) throw new Error(`no expected reason for ${variant}`);
    const own = rs.map((r) => reasonScore(r, d)).sort((a, b) => (b ?? -Infinity) - (a ?? -Infinity));
    const atTarget = own[Math.max(0, Math.ceil(target * rs.length) - 1)];
    return {
      variant,
      expected: d,
      images: rs.length,
      detectedCommitted: rs.filter((r) => refusedAt(r, thresholds)).length,
      detectedBound: rs.filter((r) => refusedAt(r, ceiling)).length,
      detectedByOwnReason: rs.filter((r) => isReason(r, d, ceiling[d])).length,
      goodRefusedAtTarget: atTarget === null || atTarget === undefined ? null : good.filter((r) => isReason(r, d, atTarget)).length,
    };
  });
  return { good: good.length, ceiling, goodRefusedAlone, goodRefusedAll: good.filter((r) => refusedAt(r, ceiling)).length, kinds };
}
