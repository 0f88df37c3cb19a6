// The bound on what thresholds alone can do (models/quality/cross-eval/threshold-ceiling.ts): it
// must judge a frame as the server does, and no thresholds within the budget may beat it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { frameRejected, judgeFrame } from "../../server/quality/combine-window-scores";
import { DEFECT_CODES, type DefectCode } from "../../server/quality/defect-codes";
import { HEADROOM_LEVEL } from "../../server/quality/highlight-headroom";
import { SHADOW_LEVEL } from "../../server/quality/shadow-floor";
import { isReason, lowestWithinBudget, refusedAt, thresholdCeiling, type JudgedImage } from "../../models/quality/cross-eval/threshold-ceiling";
import { Rng } from "../../models/quality/random";

const all = (v: number) => Object.fromEntries(DEFECT_CODES.map((d) => [d, v])) as Record<DefectCode, number>;

function image(rng: Rng, kind: JudgedImage["kind"], variant: string, lift = 0): JudgedImage {
  const scores = Object.fromEntries(DEFECT_CODES.map((d) => [d, Math.min(1, rng.next() * 0.9 + (variant.startsWith(d) ? lift : 0))]));
  return { kind, variant, scores, hasHeadroom: rng.next() < 0.6, shadowsLifted: rng.next() < 0.5 };
}

describe("threshold ceiling", () => {
  it("refuses a frame exactly when the server's judgeFrame does", () => {
    const rng = new Rng(11);
    for (let i = 0; i < 2000; i++) {
      const r = image(rng, "clean", "x");
      const thresholds = Object.fromEntries(DEFECT_CODES.map((d) => [d, 0.3 + rng.next() * 0.7])) as Record<DefectCode, number>;
      // One window whose tones give the frame the image's exposure-rule answers.
      const frame = judgeFrame([{ scores: r.scores as Record<DefectCode, number>, highlight: r.hasHeadroom ? HEADROOM_LEVEL / 2 : 1, shadow: r.shadowsLifted ? 2 * SHADOW_LEVEL : 0 }], thresholds);
      assert.equal(frame.hasHeadroom, r.hasHeadroom);
      assert.equal(frame.shadowsLifted, r.shadowsLifted);
      assert.equal(refusedAt(r, thresholds), frameRejected(frame, 0.5), `image ${i}`);
    }
  });

  it("puts each threshold just above the scores it may not refuse, and never gives a withheld exposure reason", () => {
    const good: JudgedImage[] = Array.from({ length: 20 }, (_, i) => ({ kind: "clean", variant: "x", scores: all(i * 0.05), hasHeadroom: true, shadowsLifted: i % 2 === 0 }));
    const t = lowestWithinBudget(good, "motion_blur", 0.1);
    assert.equal(good.filter((r) => isReason(r, "motion_blur", t)).length, 2);
    assert.ok(t > 0.85 && t < 0.9);
    // Overexposure is a reason only for the ten frames with lifted shadows: refusing none of them
    // needs a threshold above the highest of those ten (0.90), not above all twenty.
    const o = lowestWithinBudget(good, "overexposure", 0);
    assert.ok(o > 0.9 && o < 0.95);
    const withheld: JudgedImage = { kind: "defect", variant: "overexposure_linear", scores: all(1), hasHeadroom: false, shadowsLifted: false };
    assert.equal(isReason(withheld, "overexposure", -Infinity), false);
    assert.equal(isReason(withheld, "underexposure", -Infinity), false);
    assert.equal(isReason(withheld, "glare", 0.99), true);
  });

  it("is never beaten by thresholds that keep the good images within the budget", () => {
    const rng = new Rng(29);
    const expected: Record<string, DefectCode> = Object.fromEntries(DEFECT_CODES.map((d) => [`${d}_drawn`, d]));
    const images = [
      ...Array.from({ length: 300 }, () => image(rng, rng.next() < 0.2 ? "clean" : "mild", "good")),
      ...DEFECT_CODES.flatMap((d) => Array.from({ length: 60 }, () => image(rng, "defect", `${d}_drawn`, 0.3))),
    ];
    const budget = 0.05;
    const c = thresholdCeiling(images, all(0.95), expected, budget, 0.9);
    assert.equal(c.good, 300);
    for (const d of DEFECT_CODES) assert.ok(c.goodRefusedAlone[d] <= budget * 300);
    const good = images.filter((r) => r.kind !== "defect");
    let tried = 0;
    for (let i = 0; i < 3000; i++) {
      // The budget split at random between the seven, each threshold the lowest within its share
      // (so the seven together stay within the budget), then some raised further at random.
      const w = DEFECT_CODES.map(() => rng.next());
      const sum = w.reduce((a, b) => a + b, 0);
      const t = Object.fromEntries(
        DEFECT_CODES.map((d, j) => [d, lowestWithinBudget(good, d, (budget * w[j]!) / sum) + (rng.next() < 0.3 ? rng.next() * 0.05 : 0)]),
      ) as Record<DefectCode, number>;
      if (good.filter((r) => refusedAt(r, t)).length > budget * good.length) continue;
      tried++;
      for (const k of c.kinds) {
        const detected = images.filter((r) => r.variant === k.variant && refusedAt(r, t)).length;
        assert.ok(detected <= k.detectedBound, `${k.variant}: ${detected} > bound ${k.detectedBound}`);
      }
    }
    assert.ok(tried > 2000, `only ${tried} threshold sets fell within the budget`);
    // And the bound is reached by the t* themselves, which refuse more good images than the budget.
    assert.ok(c.goodRefusedAll > budget * 300);
  });
});
