// Glare judged as a veil over texture (server/quality/veiled-tiles.ts) and the verdict rule that
// uses it (judgeFrame in server/quality/combine-window-scores.ts): a soft bright blob screened over
// a textured scene lifts the floor of the tiles under it while their texture stays; a flat white
// wall is bright without texture, and fog lifts the whole frame.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeFrame } from "../../server/quality/combine-window-scores";
import { DEFECT_CODES, type DefectCode } from "../../server/quality/defect-codes";
import { VEIL_FLOOR, VEIL_MAX_SHARE, VEIL_MIN_SHARE, VEIL_TEXTURE, frameIsVeiled, tileReadings, veiledShare, windowVeiledShare } from "../../server/quality/veiled-tiles";

const W = 640, H = 480;
const toU8 = (l: number) => { const c = l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055; return Math.round(255 * Math.min(1, Math.max(0, c))); };

/** A textured street scene in linear light (0.01…0.25), with a flat white wall on the right fifth. */
function scene(): Float64Array {
  const lin = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    lin[y * W + x] = x >= 512 ? 0.8 : 0.01 + 0.24 * (0.5 + 0.5 * Math.sin(x / 7) * Math.cos(y / 5));
  }
  return lin;
}
const toRgb = (lin: Float64Array) => {
  const rgb = new Uint8Array(W * H * 3);
  lin.forEach((l, p) => rgb.fill(toU8(l), p * 3, p * 3 + 3));
  return rgb;
};
/** A soft white blob (Gaussian, radius `r` px) screened over the scene in sRGB, as an image editor's screen blend. */
function screenedBlob(lin: Float64Array, cx: number, cy: number, r: number): Uint8Array {
  const rgb = toRgb(lin);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const b = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r));
    for (let c = 0; c < 3; c++) {
      const i = (y * W + x) * 3 + c;
      rgb[i] = Math.round(255 * (1 - (1 - rgb[i]! / 255) * (1 - b)));
    }
  }
  return rgb;
}

describe("veiled tiles statistic", () => {
  it("reads a tile's floor from its darkest 4×4 block and its texture from its blocks' luminance", () => {
    const rgb = new Uint8Array(W * H * 3);
    // 8-px checkerboard of codes 120 and 250 (linear 0.188 and 0.955).
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.fill(((x >> 3) + (y >> 3)) % 2 ? 250 : 120, (y * W + x) * 3, (y * W + x) * 3 + 3);
    const tiles = tileReadings(rgb, W, H);
    assert.equal(tiles.length, 192);
    assert.ok(Math.abs(tiles[0]!.floor - 0.1878) < 1e-3, `floor ${tiles[0]!.floor}`);
    assert.ok(Math.abs(tiles[0]!.texture - (0.9547 - 0.1878) / 2) < 1e-3, `texture ${tiles[0]!.texture}`);
    assert.equal(veiledShare(tiles, 0.1, 0.1), 1);
    assert.equal(veiledShare(tiles, 0.2, 0.1), 0);
  });

  it("takes the frame's most veiled window, between the least share and half the frame", () => {
    assert.equal(frameIsVeiled([0, VEIL_MIN_SHARE]), true);
    assert.equal(frameIsVeiled([0, VEIL_MIN_SHARE / 2]), false);
    assert.equal(frameIsVeiled([VEIL_MAX_SHARE + 0.01]), false);
    assert.throws(() => frameIsVeiled([]));
  });
});

describe("a textured scene with a flat white wall", () => {
  const lin = scene();
  const share = (rgb: Uint8Array) => windowVeiledShare(rgb, W, H);

  it("as shot, is not veiled (the wall is bright but flat)", () => {
    const rgb = toRgb(lin);
    assert.equal(frameIsVeiled([share(rgb)]), false, `share ${share(rgb)} (F ${VEIL_FLOOR}, S ${VEIL_TEXTURE})`);
  });
  it("with a soft white blob screened over its middle, is veiled", () => {
    const rgb = screenedBlob(lin, 250, 220, 70);
    assert.equal(frameIsVeiled([share(rgb)]), true, `share ${share(rgb)} (least ${VEIL_MIN_SHARE})`);
  });
  it("under fog over the whole frame (I = J·t + A(1 − t), t 0.4), is not veiled: that is not glare", () => {
    const rgb = toRgb(lin.map((l) => l * 0.4 + 0.7 * 0.6));
    assert.equal(frameIsVeiled([share(rgb)]), false, `share ${share(rgb)}`);
  });
});

describe("verdict rule: glare also when veiled", () => {
  const all = (v: number) => Object.fromEntries(DEFECT_CODES.map((d) => [d, v])) as Record<DefectCode, number>;
  const THRESHOLDS = { ...all(0.9), glare: 0.992 };
  const scores = { ...all(0.05), glare: 0.97 }; // under its threshold
  const highlight = 1;

  it("refuses a veiled frame for glare though its score is under threshold, and reports the score unchanged", () => {
    const f = judgeFrame([{ scores, highlight, veil: VEIL_MIN_SHARE }], THRESHOLDS);
    assert.equal(f.veiled, true);
    assert.deepEqual(f.reasons, ["glare"]);
    assert.ok(f.overallScore >= 0.5, `overall ${f.overallScore}`);
    assert.equal(f.scores.glare, 0.97);
  });

  it("leaves an unveiled frame as the model judged it", () => {
    const f = judgeFrame([{ scores, highlight, veil: 0 }], THRESHOLDS);
    assert.equal(f.veiled, false);
    assert.deepEqual(f.reasons, []);
  });

  it("names a defect the model is surer of first", () => {
    const blurred = { ...scores, motion_blur: 0.99 };
    assert.deepEqual(judgeFrame([{ scores: blurred, highlight, veil: VEIL_MIN_SHARE }], THRESHOLDS).reasons, ["motion_blur", "glare"]);
  });
});
