// The pieces the training command relies on: metrics, seeded randomness, blur kernels and a
// byte-stable feature graph (same inputs must give the same model file).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildFeatureModel } from "../../models/quality/build-model";
import { defocusKernel, motionKernel } from "../../models/quality/degrade/blur";
import { bestF1Threshold, precisionRecall, rocAuc } from "../../models/quality/metrics";
import { Rng } from "../../models/quality/random";
import { calibratedThresholds } from "../../models/quality/calibration";
import { DEFECTS } from "../../models/quality/defects";

describe("metrics", () => {
  it("computes ROC-AUC by ranks, with ties and undefined labels", () => {
    assert.equal(rocAuc([{ score: 0.1, label: 0 }, { score: 0.9, label: 1 }]), 1);
    assert.equal(rocAuc([{ score: 0.9, label: 0 }, { score: 0.1, label: 1 }]), 0);
    assert.equal(rocAuc([{ score: 0.5, label: 0 }, { score: 0.5, label: 1 }]), 0.5);
    // 2 positives, 3 negatives: of the 6 pairs only (0.4 vs 0.5) is ordered wrongly.
    const items = [
      { score: 0.1, label: 0 as const }, { score: 0.4, label: 1 as const },
      { score: 0.35, label: 0 as const }, { score: 0.8, label: 1 as const }, { score: 0.99, label: null },
    ];
    assert.equal(rocAuc([...items, { score: 0.5, label: 0 }]), 5 / 6);
    assert.ok(Number.isNaN(rocAuc([{ score: 1, label: 1 }])));
  });

  it("computes precision/recall at a threshold and picks the F1-best threshold", () => {
    const items = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9].map((score, i) => ({ score, label: (i >= 3 ? 1 : 0) as 0 | 1 }));
    assert.deepEqual(precisionRecall(items, 0.5), { precision: 1, recall: 1, falsePositiveRate: 0, positives: 3, negatives: 3 });
    const t = bestF1Threshold(items);
    assert.ok(t > 0.3 && t <= 0.7, String(t));
  });
});

describe("training building blocks", () => {
  it("draws the same stream for the same seed and a different one otherwise", () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7, 1)));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7, 1)));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(new Rng(7, 2)));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.every((v) => v >= 0 && v < 1));
  });

  it("makes normalised blur kernels of the requested extent", () => {
    const m = motionKernel(new Rng(1), 10, 0, 0);
    assert.ok(Math.abs(m.weights.reduce((s, v) => s + v, 0) - 1) < 1e-9);
    // A horizontal straight shake only touches the central row (bilinear splat: at most 2 rows).
    const rowsUsed = new Set(m.weights.flatMap((v, i) => (v > 1e-9 ? [Math.floor(i / m.size)] : [])));
    assert.ok(rowsUsed.size <= 2, `rows ${[...rowsUsed]}`);
    const d = defocusKernel(3, 0);
    const sum = d.weights.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9);
    const centre = (d.size * d.size - 1) / 2;
    assert.equal(d.weights[centre], d.weights[centre + 1]); // flat top of the lens disc
  });

  it("writes the feature graph byte-for-byte the same every time", () => {
    const a = buildFeatureModel();
    const b = buildFeatureModel();
    assert.deepEqual(Buffer.from(a.bytes), Buffer.from(b.bytes));
    assert.equal(new Set(a.featureNames).size, a.featureNames.length, "feature names are unique");
  });
});

describe("thresholds calibrated on whole training photographs (calibration.ts)", () => {
  // 200 copies: a 0.5% budget allows one refusal per defect. Scores in DEFECTS order.
  const copies = (k: number, high: number[]) =>
    Array.from({ length: 200 }, (_, i) => ({
      sourceId: `p${i}`,
      copy: "clean",
      scores: DEFECTS.map((_, j) => (j === k && i < high.length ? high[i]! : 0.1)),
    }));
  const current = Object.fromEntries(DEFECTS.map((d) => [d, 0.9])) as Record<(typeof DEFECTS)[number], number>;
  const noise = DEFECTS.indexOf("noise");
  const under = DEFECTS.indexOf("underexposure");

  it("raises a threshold that refuses more copies than the budget only where raising is allowed", () => {
    const c = copies(noise, [0.99, 0.97, 0.95]);
    const oneWay = calibratedThresholds(current, c, [], { perDefectCopies: 0.005 });
    assert.equal(oneWay.noise, 0.9);
    const twoWay = calibratedThresholds(current, c, [], { perDefectCopies: 0.005, mayRaise: ["noise"] });
    // One copy (0.99) may stay refused: the threshold sits just above the second highest.
    assert.ok(twoWay.noise > 0.97 && twoWay.noise <= 0.9701 + 1e-9, String(twoWay.noise));
    assert.equal(c.filter((x) => x.scores[noise]! >= twoWay.noise).length, 1);
  });

  it("never raises underexposure unless asked, and lowers no threshold past the hard scenes it refused", () => {
    const c = copies(under, [0.99, 0.98]);
    assert.equal(calibratedThresholds(current, c, [], { perDefectCopies: 0.005, mayRaise: DEFECTS.filter((d) => d !== "underexposure") }).underexposure, 0.9);
    // Copies all low: the budget alone would lower noise to ~0.1, the hard scenes hold it above 0.6.
    const hard = [DEFECTS.map((_, j) => (j === noise ? 0.6 : 0))];
    const lowered = calibratedThresholds(current, copies(noise, []), hard, { perDefectCopies: 0.005, mayRaise: ["noise"] });
    assert.ok(lowered.noise > 0.6 && lowered.noise < 0.9, String(lowered.noise));
  });
});
