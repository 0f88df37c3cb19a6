// Exposure judged by the highlights (server/quality/highlight-headroom.ts) and the verdict rule
// that uses it (judgeFrame in server/quality/combine-window-scores.ts): a dark frame whose lamps
// reach full scale is correctly exposed for them; the same frame darkened in linear light is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeFrame } from "../../server/quality/combine-window-scores";
import { DEFECT_CODES, type DefectCode } from "../../server/quality/defect-codes";
import { HEADROOM_LEVEL, HIGHLIGHT_PERCENTILE, frameHasHeadroom, highlightLevel } from "../../server/quality/highlight-headroom";
import { exposeU8, linearToU8 } from "../support/exposed-frame";

const W = 640, H = 480;
const all = (v: number) => Object.fromEntries(DEFECT_CODES.map((d) => [d, v])) as Record<DefectCode, number>;
const THRESHOLDS = { ...all(0.9), underexposure: 0.7352 };

/** A low-key night scene: dark textured surroundings, a few lamps at full scale with a glow around them. */
function nightWithLamps(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3);
  const lamps = [[100, 80, 9], [320, 60, 7], [520, 120, 11], [420, 300, 6]] as const;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    // Scene: linear 0.005…0.04, cool cast.
    const base = 0.005 + 0.035 * (0.5 + 0.5 * Math.sin(x / 23) * Math.cos(y / 17));
    let add = 0;
    for (const [cx, cy, r] of lamps) {
      const d = Math.hypot(x - cx, y - cy);
      add += d <= r ? 2 : 0.6 * Math.exp(-(d - r) / (2 * r));
    }
    const i = (y * W + x) * 3;
    rgb[i] = linearToU8(base * 0.85 + add);
    rgb[i + 1] = linearToU8(base * 0.95 + add * 0.9);
    rgb[i + 2] = linearToU8(base * 1.2 + add * 0.7);
  }
  return rgb;
}

describe("highlight headroom statistic", () => {
  it("is the given percentile of the pixels' brightest channel, in sRGB 0…1", () => {
    const n = W * H;
    const rgb = new Uint8Array(n * 3);
    // 99% of pixels: (10, 40, 20) → brightest channel 40; 1% : a saturated blue lamp (0, 0, 250).
    const lamp = Math.round(n * 0.01);
    for (let p = 0; p < n; p++) rgb.set(p < lamp ? [0, 0, 250] : [10, 40, 20], p * 3);
    assert.equal(highlightLevel(rgb, 0.98), 40 / 255);
    assert.equal(highlightLevel(rgb, 0.995), 250 / 255);
    assert.equal(highlightLevel(new Uint8Array(n * 3)), 0);
    assert.equal(highlightLevel(new Uint8Array(n * 3).fill(255)), 1);
  });

  it("is deterministic and does not depend on where the bright pixels are", () => {
    const a = nightWithLamps();
    const b = a.slice().reverse(); // pixels reversed (channels too: the brightest channel is unchanged)
    assert.equal(highlightLevel(a), highlightLevel(a.slice()));
    assert.equal(highlightLevel(a), highlightLevel(b));
  });

  it("separates a night scene with lamps from the same scene underexposed by 2.5 EV", () => {
    const night = nightWithLamps();
    const dark = exposeU8(night, -2.5);
    assert.ok(highlightLevel(night) >= HEADROOM_LEVEL, `night ${highlightLevel(night)} vs level ${HEADROOM_LEVEL} (p${HIGHLIGHT_PERCENTILE})`);
    assert.ok(highlightLevel(dark) < HEADROOM_LEVEL, `darkened ${highlightLevel(dark)} vs level ${HEADROOM_LEVEL}`);
  });

  it("gives a frame headroom only if no window reaches the level", () => {
    assert.equal(frameHasHeadroom([0.2, 0.3]), true);
    assert.equal(frameHasHeadroom([0.2, HEADROOM_LEVEL]), false);
    assert.throws(() => frameHasHeadroom([]));
  });
});

describe("verdict rule: underexposure only with headroom", () => {
  const dark = { ...all(0.05), underexposure: 0.95 };

  it("does not refuse a dark frame with lamps at full scale for underexposure, though its score is over threshold", () => {
    const f = judgeFrame([{ scores: dark, highlight: highlightLevel(nightWithLamps()), shadow: 1 }], THRESHOLDS);
    assert.equal(f.hasHeadroom, false);
    assert.deepEqual(f.reasons, []);
    assert.ok(f.overallScore < 0.5, `overall ${f.overallScore}`);
    assert.equal(f.scores.underexposure, 0.95, "the score itself is reported unchanged");
  });

  it("refuses the same frame darkened 2.5 EV in linear light", () => {
    const f = judgeFrame([{ scores: dark, highlight: highlightLevel(exposeU8(nightWithLamps(), -2.5)), shadow: 1 }], THRESHOLDS);
    assert.equal(f.hasHeadroom, true);
    assert.deepEqual(f.reasons, ["underexposure"]);
    assert.ok(f.overallScore > 0.5);
  });

  it("takes the frame's brightest window: lamps in one window of two free the frame", () => {
    const darkWin = exposeU8(nightWithLamps(), -2.5), lampWin = nightWithLamps();
    const f = judgeFrame([{ scores: dark, highlight: highlightLevel(darkWin), shadow: 1 }, { scores: dark, highlight: highlightLevel(lampWin), shadow: 1 }], THRESHOLDS);
    assert.equal(f.hasHeadroom, false);
    assert.deepEqual(f.reasons, []);
  });

  it("leaves every other defect as before, and names the next defect first when underexposure is dropped", () => {
    const scores = { ...dark, obstruction: 0.97 };
    const thresholds = { ...THRESHOLDS, obstruction: 0.9541 };
    assert.deepEqual(judgeFrame([{ scores, highlight: 0.2, shadow: 1 }], thresholds).reasons, ["underexposure", "obstruction"]);
    assert.deepEqual(judgeFrame([{ scores, highlight: 1, shadow: 1 }], thresholds).reasons, ["obstruction"]);
  });
});
