// Overexposure judged by the shadows (server/quality/shadow-floor.ts) and the verdict rule that
// uses it (judgeFrame in server/quality/combine-window-scores.ts): a bright frame that keeps a
// dark object is correctly exposed for it; the same frame brightened in linear light is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeFrame } from "../../server/quality/combine-window-scores";
import { DEFECT_CODES, type DefectCode } from "../../server/quality/defect-codes";
import { highlightLevel } from "../../server/quality/highlight-headroom";
import { SHADOW_LEVEL, SHADOW_QUANTILE, frameShadowsLifted, shadowLevel } from "../../server/quality/shadow-floor";
import { windowTones } from "../../server/quality/window-tones";
import { exposeU8, linearToU8 } from "../support/exposed-frame";

const W = 640, H = 480;
const all = (v: number) => Object.fromEntries(DEFECT_CODES.map((d) => [d, v])) as Record<DefectCode, number>;
const THRESHOLDS = { ...all(0.9), overexposure: 0.9931 };

/** A bright scene: a white desk and wall (linear 0.5…0.9) with a dark laptop keyboard covering a tenth of the frame (linear 0.002…0.004). */
function brightDeskWithKeyboard(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const keyboard = x >= 200 && x < 456 && y >= 330 && y < 450;
    const l = keyboard ? 0.002 + 0.002 * ((x >> 3) % 2) : 0.5 + 0.4 * (0.5 + 0.5 * Math.sin(x / 31) * Math.cos(y / 19));
    const i = (y * W + x) * 3;
    rgb[i] = linearToU8(l * 0.98);
    rgb[i + 1] = linearToU8(l);
    rgb[i + 2] = linearToU8(l * 0.95);
  }
  return rgb;
}

describe("shadow floor statistic", () => {
  it("is the given quantile of the pixels' brightest channel, in sRGB 0…1", () => {
    const n = W * H;
    const rgb = new Uint8Array(n * 3);
    // 3% of pixels: a dark red object (12, 0, 0) → brightest channel 12; the rest (200, 230, 220).
    const dark = Math.round(n * 0.03);
    for (let p = 0; p < n; p++) rgb.set(p < dark ? [12, 0, 0] : [200, 230, 220], p * 3);
    assert.equal(shadowLevel(rgb, 0.02), 12 / 255);
    assert.equal(shadowLevel(rgb, 0.05), 230 / 255);
    assert.equal(shadowLevel(new Uint8Array(n * 3)), 0);
    assert.equal(shadowLevel(new Uint8Array(n * 3).fill(255)), 1);
  });

  it("does not depend on where the dark pixels are", () => {
    const a = brightDeskWithKeyboard();
    assert.equal(shadowLevel(a), shadowLevel(a.slice().reverse()));
  });

  it("separates a bright desk with a dark keyboard from the same scene overexposed by 1.5 EV", () => {
    const desk = brightDeskWithKeyboard();
    const over = exposeU8(desk, 1.5);
    assert.ok(shadowLevel(desk) < SHADOW_LEVEL, `desk ${shadowLevel(desk)} vs level ${SHADOW_LEVEL} (q${SHADOW_QUANTILE})`);
    assert.ok(shadowLevel(over) >= SHADOW_LEVEL, `overexposed ${shadowLevel(over)} vs level ${SHADOW_LEVEL}`);
  });

  it("is read with the highlight level from one histogram, as the gate and the live hints read both", () => {
    for (const rgb of [brightDeskWithKeyboard(), exposeU8(brightDeskWithKeyboard(), 1.5), new Uint8Array(W * H * 3)]) {
      assert.deepEqual(windowTones(rgb), { highlight: highlightLevel(rgb), shadow: shadowLevel(rgb) });
    }
  });

  it("calls a frame's shadows lifted only if every window reaches the level", () => {
    assert.equal(frameShadowsLifted([0.3, 0.5]), true);
    assert.equal(frameShadowsLifted([0.3, SHADOW_LEVEL - 1 / 255]), false);
    assert.throws(() => frameShadowsLifted([]));
  });
});

describe("verdict rule: overexposure only with lifted shadows", () => {
  const bright = { ...all(0.05), overexposure: 0.999 };

  it("refuses a bright frame for overexposure only when its shadows are lifted", () => {
    const desk = brightDeskWithKeyboard();
    const kept = judgeFrame([{ scores: bright, highlight: 1, shadow: shadowLevel(desk) }], THRESHOLDS);
    assert.deepEqual(kept.reasons, []);
    assert.equal(kept.shadowsLifted, false);
    assert.ok(kept.overallScore < 0.5, "overall leaves out the reason the frame may not be given");
    const over = judgeFrame([{ scores: bright, highlight: 1, shadow: shadowLevel(exposeU8(desk, 1.5)) }], THRESHOLDS);
    assert.deepEqual(over.reasons, ["overexposure"]);
    assert.equal(over.scores.overexposure, 0.999, "the score is reported unchanged");
  });

  it("takes the darkest window: a dark object in either window of a 16:9 frame keeps it", () => {
    const f = judgeFrame([{ scores: bright, highlight: 1, shadow: 0.5 }, { scores: bright, highlight: 1, shadow: 0.01 }], THRESHOLDS);
    assert.deepEqual(f.reasons, []);
  });

  it("leaves the other defects alone", () => {
    const scores = { ...bright, obstruction: 0.95 };
    assert.deepEqual(judgeFrame([{ scores, highlight: 1, shadow: 0 }], THRESHOLDS).reasons, ["obstruction"]);
  });
});
