// Overexposure judged as washed out (server/quality/washed-out.ts) and the verdict rule that uses
// it (judgeFrame in server/quality/combine-window-scores.ts): a daylight scene scaled up in linear
// light and clipped is blown over a large area with nothing left near black; the same scene
// correctly exposed, rendered high-key, backlit or in fog is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeFrame } from "../../server/quality/combine-window-scores";
import { DEFECT_CODES, type DefectCode } from "../../server/quality/defect-codes";
import {
  WASHOUT_SHADOW_LEVEL,
  WASHOUT_WHITE_SHARE,
  WHITE_CODE,
  frameIsWashedOut,
  washoutReading,
} from "../../server/quality/washed-out";

const W = 640, H = 480;
const toLinear = (v: number) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
const toU8 = (l: number) => { const c = l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055; return Math.round(255 * Math.min(1, Math.max(0, c))); };

/**
 * A daylight street, linear light: a bright sky (top third, 0.45…0.7), a textured ground
 * (0.03…0.35) and a car whose tyres and shadow underneath reach 0.002…0.008.
 */
function daylight(): Float64Array {
  const lin = new Float64Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let r: number, g: number, b: number;
    if (y < H / 3) {
      const v = 0.45 + 0.25 * (y / (H / 3));
      [r, g, b] = [v * 0.85, v * 0.95, v * 1.1];
    } else {
      const v = 0.03 + 0.32 * (0.5 + 0.5 * Math.sin(x / 13) * Math.cos(y / 9));
      [r, g, b] = [v, v * 0.97, v * 0.9];
    }
    // The car: a dark body with a shadow underneath.
    if (x > 200 && x < 440 && y > 300 && y < 420) {
      const v = y > 390 ? 0.002 + 0.006 * ((x % 17) / 17) : 0.02 + 0.05 * ((x + y) % 11) / 11;
      [r, g, b] = [v, v, v * 1.1];
    }
    lin.set([r, g, b], (y * W + x) * 3);
  }
  return lin;
}

const toRgb = (lin: Float64Array, f: (l: number) => number = (l) => l) => Uint8Array.from(lin, (l) => toU8(f(l)));
/** × 2^ev in linear light with a hard clip, as every generator's overexposure. */
const exposed = (lin: Float64Array, ev: number) => toRgb(lin, (l) => l * 2 ** ev);
/** Raised 1 EV with a soft shoulder (nothing clips): a correctly exposed high-key rendering. */
const highKey = (lin: Float64Array) => toRgb(lin, (l) => { const v = l * 2; return v / (1 + v * 0.9); });
/** Fog: I = J·t + A·(1 − t), bright airlight, t 0.35. */
const fog = (lin: Float64Array) => toRgb(lin, (l) => l * 0.35 + 0.8 * 0.65);

describe("washed-out statistics", () => {
  it("counts pixels blown in all three channels, and reads the shadows from the brightest channel", () => {
    const n = W * H;
    const rgb = new Uint8Array(n * 3);
    // 20% white (255, 252, 250), 10% blown in red only (255, 120, 90), 70% (30, 80, 20).
    for (let p = 0; p < n; p++) rgb.set(p < n * 0.2 ? [255, 252, WHITE_CODE] : p < n * 0.3 ? [255, 120, 90] : [30, 80, 20], p * 3);
    const r = washoutReading(rgb);
    assert.equal(r.whiteShare, 0.2);
    assert.equal(r.shadow, 80 / 255, "a pixel is dark only if its brightest channel is");
    assert.equal(washoutReading(new Uint8Array(n * 3).fill(255)).whiteShare, 1);
    assert.equal(washoutReading(new Uint8Array(n * 3)).shadow, 0);
  });

  it("is blown on average over the windows and judged by the darkest window's shadows", () => {
    const blown = { whiteShare: WASHOUT_WHITE_SHARE * 1.5, shadow: WASHOUT_SHADOW_LEVEL + 0.05 };
    const clean = { whiteShare: 0, shadow: WASHOUT_SHADOW_LEVEL + 0.05 };
    assert.equal(frameIsWashedOut([blown]), true);
    assert.equal(frameIsWashedOut([blown, { ...blown, shadow: WASHOUT_SHADOW_LEVEL - 0.05 }]), false, "shadows in one window");
    assert.equal(frameIsWashedOut([blown, clean]), false, "blown in one window of two: the mean is under the share");
    assert.throws(() => frameIsWashedOut([]));
  });
});

describe("a daylight scene: overexposed, and correctly exposed bright renderings", () => {
  const scene = daylight();
  const washed = (rgb: Uint8Array) => frameIsWashedOut([washoutReading(rgb)]);
  const describeReading = (rgb: Uint8Array) => JSON.stringify(washoutReading(rgb));

  it("as exposed, it is not washed out", () => assert.equal(washed(toRgb(scene)), false, describeReading(toRgb(scene))));
  for (const ev of [2, 2.6]) {
    it(`+${ev} EV in linear light, clipped, is washed out`, () => assert.equal(washed(exposed(scene, ev)), true, describeReading(exposed(scene, ev))));
  }
  it("a high-key rendering (raised with a soft shoulder, nothing blown) is not", () => assert.equal(washed(highKey(scene)), false, describeReading(highKey(scene))));
  it("fog (blacks lifted, nothing blown) is not", () => assert.equal(washed(fog(scene)), false, describeReading(fog(scene))));
  it("backlit, exposed for the subject (sky blown, the car keeps its shadows), is not", () => {
    const backlit = toRgb(scene.map((l, i) => (Math.floor(i / 3) < (W * H) / 3 ? l * 3 : l)));
    assert.ok(washoutReading(backlit).whiteShare >= WASHOUT_WHITE_SHARE, "the sky is blown");
    assert.equal(washed(backlit), false, describeReading(backlit));
  });
});

describe("verdict rule: overexposure also when washed out", () => {
  const all = (v: number) => Object.fromEntries(DEFECT_CODES.map((d) => [d, v])) as Record<DefectCode, number>;
  const THRESHOLDS = { ...all(0.9), overexposure: 0.993 };
  const bright = { ...all(0.05), overexposure: 0.95 }; // under its threshold
  const highlight = 1;
  const blown = { whiteShare: 0.6, shadow: 1 };
  const kept = { whiteShare: 0.6, shadow: 0 };

  it("refuses a washed-out frame for overexposure though its score is under threshold, and reports the score unchanged", () => {
    const f = judgeFrame([{ scores: bright, highlight, washout: blown }], THRESHOLDS);
    assert.equal(f.washedOut, true);
    assert.deepEqual(f.reasons, ["overexposure"]);
    assert.ok(f.overallScore >= 0.5, `overall ${f.overallScore}`);
    assert.equal(f.scores.overexposure, 0.95);
  });

  it("leaves a frame with shadows as the model judged it", () => {
    const f = judgeFrame([{ scores: bright, highlight, washout: kept }], THRESHOLDS);
    assert.equal(f.washedOut, false);
    assert.deepEqual(f.reasons, []);
    assert.ok(f.overallScore < 0.5);
  });

  it("names a defect the model is surer of first", () => {
    const scores = { ...bright, glare: 0.99 };
    assert.deepEqual(judgeFrame([{ scores, highlight, washout: blown }], THRESHOLDS).reasons, ["glare", "overexposure"]);
    const over = { ...scores, overexposure: 0.9999 };
    assert.deepEqual(judgeFrame([{ scores: over, highlight, washout: blown }], THRESHOLDS).reasons, ["overexposure", "glare"]);
  });
});
