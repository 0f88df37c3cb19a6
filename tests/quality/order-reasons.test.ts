// The order of reasons: the first reason is what the policyholder is told to fix.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFECT_CODES, type DefectCode } from "../../server/quality/model-manifest";
import { orderReasons, reasonMargin } from "../../server/quality/order-reasons";

const all = (v: number) => Object.fromEntries(DEFECT_CODES.map((d) => [d, v])) as Record<DefectCode, number>;

describe("order of reasons", () => {
  it("lists only the defects over their thresholds", () => {
    const scores = { ...all(0.1), noise: 0.9, defocus: 0.5 };
    const thresholds = { ...all(0.8), defocus: 0.6 };
    assert.deepEqual(orderReasons(scores, thresholds, DEFECT_CODES), ["noise"]);
    assert.deepEqual(orderReasons(all(0.1), all(0.8), DEFECT_CODES), []);
  });

  it("puts a head with a high threshold first when it is further over in log-odds, where score/threshold would not", () => {
    // Glare 0.9995 against 0.99 is far over (log-odds +3.0); underexposure 0.8 against 0.735 barely (+0.37).
    const scores = { ...all(0), glare: 0.9995, underexposure: 0.8 };
    const thresholds = { ...all(0.5), glare: 0.99, underexposure: 0.735 };
    assert.ok(scores.underexposure / thresholds.underexposure > scores.glare / thresholds.glare, "the old ratio would name underexposure");
    assert.deepEqual(orderReasons(scores, thresholds, DEFECT_CODES), ["glare", "underexposure"]);
    assert.ok(Math.abs(reasonMargin(0.9995, 0.99) - Math.log((0.9995 / 0.0005) / (0.99 / 0.01))) < 1e-9);
  });

  it("is zero at the threshold and stays finite at scores of exactly 0 or 1", () => {
    assert.equal(reasonMargin(0.7, 0.7), 0);
    assert.ok(Number.isFinite(reasonMargin(1, 0.99)) && Number.isFinite(reasonMargin(0, 0.5)));
  });
});
