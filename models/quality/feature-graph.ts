// The fixed, explainable front half of the quality model: classic image operators written as
// ONNX nodes. Every feature is a number a reviewer can name (e.g. "fine/coarse Laplacian energy
// in the most textured tiles"); only the small head that follows is learned.
//
// Input: "rgb", uint8 [1, H, W, 3] (the server's sharp output, landscape, H=480 W=640).
// Output: a [1, F] float tensor; `names` lists what each column is.
import { GraphBuilder } from "./onnx-builder";

export const INPUT_HEIGHT = 480;
export const INPUT_WIDTH = 640;

const EPS = 1e-6;

// 3x3 kernels applied to luminance at every scale. Sobel-type kernels are scaled to unit
// derivative gain so energies are comparable across directions.
const KERNELS: Record<string, number[]> = {
  laplacian: [0, 1, 0, 1, -4, 1, 0, 1, 0],
  grad_0: [-1, 0, 1, -2, 0, 2, -1, 0, 1].map((v) => v / 8),
  grad_90: [-1, -2, -1, 0, 0, 0, 1, 2, 1].map((v) => v / 8),
  grad_45: [0, 1, 2, -1, 0, 1, -2, -1, 0].map((v) => v / 8),
  grad_135: [2, 1, 0, 1, 0, -1, 0, -1, -2].map((v) => v / 8),
  // Immerkaer's operator: zero response to any locally linear surface, so what remains is noise.
  noise: [1, -2, 1, -2, 4, -2, 1, -2, 1],
};
const KERNEL_NAMES = Object.keys(KERNELS);
const CH = { lap: 0, g0: 1, g90: 2, g45: 3, g135: 4, noise: 5 } as const;

export interface FeatureGraph {
  features: string;
  names: string[];
}

export function addFeatureNodes(g: GraphBuilder, rgb: string): FeatureGraph {
  const names: string[] = [];
  const parts: string[] = [];
  const add = (t: string, labels: string[]) => {
    parts.push(t);
    names.push(...labels);
  };

  // ---- helpers -------------------------------------------------------------------------
  const c = (v: number) => g.scalar(v);
  const mul = (a: string, b: string) => g.op("Mul", [a, b]);
  const sub = (a: string, b: string) => g.op("Sub", [a, b]);
  const addT = (a: string, b: string) => g.op("Add", [a, b]);
  const log = (x: string) => g.op("Log", [addT(x, c(EPS))]);
  const sq = (x: string) => mul(x, x);
  const sigmoid = (x: string, t: number, k: number) => g.op("Sigmoid", [mul(sub(x, c(t)), c(k))]);
  const below = (x: string, t: number, k: number) => g.op("Sigmoid", [mul(sub(c(t), x), c(k))]);
  const meanHW = (x: string) => g.op("ReduceMean", [x], { axes: [2, 3], keepdims: 0 });
  const avgPool = (x: string, k: number) => g.op("AveragePool", [x], { kernel_shape: [k, k], strides: [k, k] });
  const maxPool = (x: string, k: number) => g.op("MaxPool", [x], { kernel_shape: [k, k], strides: [k, k] });
  const slice = (x: string, axis: number, start: number, end: number) =>
    g.op("Slice", [x, g.ints([start]), g.ints([end]), g.ints([axis])]);
  const flat = (x: string) => g.op("Reshape", [x, g.ints([1, -1])]);
  const topk = (x2d: string, k: number, largest: boolean) =>
    g.opMulti("TopK", [x2d, g.ints([k])], { axis: 1, largest: largest ? 1 : 0, sorted: 1 }, 2);
  const topkMean = (x2d: string, k: number, largest: boolean) =>
    g.op("ReduceMean", [topk(x2d, k, largest)[0]!], { axes: [1], keepdims: 1 });
  const mean1 = (x2d: string) => g.op("ReduceMean", [x2d], { axes: [1], keepdims: 1 });
  const max1 = (x2d: string) => g.op("ReduceMax", [x2d], { axes: [1], keepdims: 1 });
  const min1 = (x2d: string) => g.op("ReduceMin", [x2d], { axes: [1], keepdims: 1 });
  const edgePad = (x: string) => g.op("Pad", [x, g.ints([0, 0, 1, 1, 0, 0, 1, 1])], { mode: "edge" });
  // The six operators, then grad_0 ± grad_90: the mean of Gx·Gy over a tile (the structure
  // tensor's off-diagonal term) is (mean (Gx+Gy)² − mean (Gx−Gy)²) / 4, so every tile statistic
  // of a scale comes from one pass of sums of squares and nothing is multiplied at full size.
  const sumDiff = (sign: number) => KERNELS.grad_0!.map((v, i) => v + sign * KERNELS.grad_90![i]!);
  const operatorWeights = g.floats([...KERNEL_NAMES.flatMap((k) => KERNELS[k]!), ...sumDiff(1), ...sumDiff(-1)], [KERNEL_NAMES.length + 2, 1, 3, 3]);
  const operators = (y: string) => g.op("Conv", [edgePad(y), operatorWeights], { kernel_shape: [3, 3] }); // [1,8,h,w]
  /** Sum over k×k tiles of x [1,C,h,w] (of squares or of absolute values), in two passes over rows then columns. */
  const tileSum = (x: string, C: number, h: number, w: number, k: number, reduce: "ReduceSumSquare" | "ReduceL1") => {
    const alongRows = g.op(reduce, [g.op("Reshape", [x, g.ints([1, C, h, w / k, k])])], { axes: [4], keepdims: 0 }); // [1,C,h,w/k]
    return g.op("ReduceSum", [g.op("Reshape", [alongRows, g.ints([1, C, h / k, k, w / k])]), g.ints([3])], { keepdims: 0 }); // [1,C,h/k,w/k]
  };
  /** A scale's operator energies per k×k tile (p, [1,6,·,·]) and the tiles' mean Gx·Gy. */
  const tileEnergies = (d: string, h: number, w: number, k: number) => {
    const sums = mul(tileSum(d, KERNEL_NAMES.length + 2, h, w, k, "ReduceSumSquare"), c(1 / (k * k)));
    const n = KERNEL_NAMES.length;
    return { p: slice(sums, 1, 0, n), cross: mul(sub(slice(sums, 1, n, n + 1), slice(sums, 1, n + 1, n + 2)), c(0.25)) };
  };
  const noiseTiles = (d: string, h: number, w: number, k: number) =>
    mul(tileSum(slice(d, 1, CH.noise, CH.noise + 1), 1, h, w, k, "ReduceL1"), c(1 / (k * k))); // mean |N| per tile

  // ---- input ---------------------------------------------------------------------------
  // Scaling to [0,1] is folded into the next (smaller) operators instead of a full-size Mul.
  const H = INPUT_HEIGHT, W = INPUT_WIDTH;
  const LUMA = [0.299, 0.587, 0.114];
  const xFull = g.op("Transpose", [g.op("Cast", [rgb], { to: 1 })], { perm: [0, 3, 1, 2] }); // [1,3,H,W] 0..255
  const y = g.op("Conv", [xFull, g.floats(LUMA.map((v) => v / 255), [1, 3, 1, 1])], { kernel_shape: [1, 1] });
  // Half-resolution RGB for colour, clipping and chroma features.
  const x = mul(avgPool(xFull, 2), c(1 / 255)); // [1,3,H/2,W/2] sRGB in [0,1]
  const y2 = avgPool(y, 2);
  const y4 = avgPool(y2, 2);
  const y8 = avgPool(y4, 2);
  const [xr, xg, xb] = g.opMulti("Split", [x], { axis: 1 }, 3) as [string, string, string];
  const maxRgb = g.op("Max", [xr, xg, xb]);
  const minRgb = g.op("Min", [xr, xg, xb]);

  // ---- exposure: luminance moments, soft cumulative histogram, clipping ------------------
  const meanY = meanHW(y2);
  const stdY = g.op("Sqrt", [addT(g.op("Relu", [sub(meanHW(sq(y2)), sq(meanY))]), c(EPS))]);
  add(meanY, ["lum_mean"]);
  add(stdY, ["lum_std"]);
  const cdfT = [0.03, 0.08, 0.15, 0.25, 0.35, 0.5, 0.65, 0.75, 0.85, 0.92, 0.97];
  const cdf = meanHW(g.op("Sigmoid", [mul(sub(g.floats(cdfT, [1, cdfT.length, 1, 1]), y2), c(60))]));
  add(cdf, cdfT.map((t) => `lum_cdf_${t}`));
  add(meanHW(sigmoid(maxRgb, 0.97, 150)), ["frac_any_channel_clipped"]);
  add(meanHW(sigmoid(minRgb, 0.94, 100)), ["frac_white_clipped"]);
  add(meanHW(below(maxRgb, 0.04, 150)), ["frac_crushed_black"]);
  const tileLum = flat(avgPool(y2, 20)); // 12x16 tiles
  add(topkMean(tileLum, 19, true), ["tile_lum_top10"]);
  add(topkMean(tileLum, 19, false), ["tile_lum_bottom10"]);

  // ---- sharpness: operator energies at four scales ---------------------------------------
  const d1 = operators(y);
  const d2 = operators(y2);
  const d4 = operators(y4);
  const d8 = operators(y8);
  // Per-tile energies on a common 12x16 grid. Blur removes fine-scale energy relative to
  // coarse-scale energy of the same tile, which cancels most of the scene's own contrast.
  const { p: p1, cross: cross1 } = tileEnergies(d1, H, W, 40);
  const { p: p2, cross: cross2 } = tileEnergies(d2, H / 2, W / 2, 20);
  const { p: p4, cross: cross4 } = tileEnergies(d4, H / 4, W / 4, 10);
  const { p: p8, cross: cross8 } = tileEnergies(d8, H / 8, W / 8, 5);
  // The tiles cover the frame exactly, so the frame's mean energy is the mean of its tiles'.
  for (const [s, p] of [[1, p1], [2, p2], [4, p4], [8, p8]] as const) {
    add(log(meanHW(p)), KERNEL_NAMES.map((k) => `log_energy_s${s}_${k}`));
  }

  const [t1, t2, t4, t8] = [p1, p2, p4, p8].map(log) as [string, string, string, string];
  const tiles = (t: string) => g.op("Reshape", [t, g.ints([1, KERNEL_NAMES.length, -1])]); // [1,6,192]
  const coarseGrad = flat(g.op("ReduceSum", [slice(t4, 1, 1, 5), g.ints([1])], { keepdims: 0 }));
  // The 25% most textured tiles: where sharpness is measurable at all.
  const idx = topk(coarseGrad, 48, true)[1]!;
  const idx6 = g.op("Expand", [g.op("Unsqueeze", [idx, g.ints([1])]), g.ints([1, KERNEL_NAMES.length, 48])]);
  const texturedMean = (t: string) =>
    g.op("ReduceMean", [g.op("GatherElements", [tiles(t), idx6], { axis: 2 })], { axes: [2], keepdims: 0 }); // [1,6]
  for (const [label, fine, coarse] of [["s1_s4", t1, t4], ["s2_s8", t2, t8]] as const) {
    const ratio = sub(texturedMean(fine), texturedMean(coarse)); // [1,6]
    add(slice(ratio, 1, CH.lap, CH.lap + 1), [`textured_ratio_${label}_laplacian`]);
    add(slice(ratio, 1, CH.noise, CH.noise + 1), [`textured_ratio_${label}_noise_op`]);
    // Directions sorted by value: invariant to the (unknown) direction of camera motion.
    const dirs = topk(slice(ratio, 1, CH.g0, CH.g135 + 1), 4, true)[0]!;
    add(dirs, [1, 2, 3, 4].map((r) => `textured_ratio_${label}_direction_rank${r}`));
  }
  // Camera shake removes detail along one direction only. From the four directional energies
  // of each tile, the structure tensor gives the energy at any angle (a + b cos 2θ + c sin 2θ);
  // the fine/coarse ratio at 8 angles, averaged over textured tiles, is flat for focus blur
  // and the scene's own texture, and dips along the direction of motion.
  const ANGLES = 8;
  const angleBasis = g.floats(
    [
      ...Array.from({ length: ANGLES }, () => 1),
      ...Array.from({ length: ANGLES }, (_, k) => Math.cos((2 * Math.PI * k) / ANGLES)),
      ...Array.from({ length: ANGLES }, (_, k) => Math.sin((2 * Math.PI * k) / ANGLES)),
    ],
    [3, ANGLES],
  );
  // Sensor noise adds the same energy to every direction and hides the dip; subtracting the
  // noise energy (estimated in the flattest tiles) from the isotropic term restores it.
  // For white noise of std s, Immerkaer: s = sqrt(pi/2)/6 * mean|N|; Sobel/8 passes 12/64 s^2.
  const nTiles1 = flat(noiseTiles(d1, H, W, 16)); // 30x40
  const noiseFloor1 = topkMean(nTiles1, 120, false); // [1,1]
  const sobelNoiseEnergy = mul(sq(noiseFloor1), c((Math.PI / 2 / 36) * (12 / 64)));
  const energyAtAngles = (pooled: string, pooledCross: string, noiseEnergy?: string) => {
    const [e0, e90] = [CH.g0, CH.g90].map((ch) => slice(pooled, 1, ch, ch + 1));
    const half = c(0.5);
    let iso = mul(addT(e0!, e90!), half);
    if (noiseEnergy) iso = g.op("Relu", [sub(iso, noiseEnergy)]);
    const abc = g.op("Concat", [iso, mul(sub(e0!, e90!), half), pooledCross], { axis: 1 });
    const perTile = g.op("Transpose", [g.op("Reshape", [abc, g.ints([1, 3, -1])])], { perm: [0, 2, 1] }); // [1,192,3]
    return log(g.op("Relu", [g.op("MatMul", [perTile, angleBasis])])); // [1,192,8]
  };
  const idx8 = g.op("Expand", [g.op("Unsqueeze", [idx, g.ints([2])]), g.ints([1, 48, ANGLES])]);
  const pairs = [
    ["s1_s4", energyAtAngles(p1, cross1), energyAtAngles(p4, cross4)],
    ["s2_s8", energyAtAngles(p2, cross2), energyAtAngles(p8, cross8)],
    ["s1_s4_denoised", energyAtAngles(p1, cross1, sobelNoiseEnergy), energyAtAngles(p4, cross4)],
  ] as const;
  for (const [label, fine, coarse] of pairs) {
    const ratio = g.op("GatherElements", [sub(fine, coarse), idx8], { axis: 1 }); // [1,48,8]
    const profile = g.op("ReduceMean", [ratio], { axes: [1], keepdims: 0 }); // [1,8]
    add(topk(profile, ANGLES, true)[0]!, Array.from({ length: ANGLES }, (_, k) => `angle_profile_${label}_rank${k + 1}`));
    const tileRange = sub(g.op("ReduceMax", [ratio], { axes: [2], keepdims: 0 }), g.op("ReduceMin", [ratio], { axes: [2], keepdims: 0 }));
    add(mean1(tileRange), [`angle_profile_${label}_tile_range_mean`]);
  }

  // Absolute fine detail in the sharpest tiles, and directional imbalance per tile.
  add(topkMean(flat(slice(t1, 1, CH.lap, CH.lap + 1)), 19, true), ["tile_log_laplacian_s1_top10"]);
  add(topkMean(flat(slice(t2, 1, CH.lap, CH.lap + 1)), 19, true), ["tile_log_laplacian_s2_top10"]);
  const dirTiles1 = slice(t1, 1, CH.g0, CH.g135 + 1); // [1,4,12,16]
  const anis1 = sub(g.op("ReduceMax", [dirTiles1], { axes: [1], keepdims: 1 }), g.op("ReduceMin", [dirTiles1], { axes: [1], keepdims: 1 }));
  add(meanHW(anis1), ["tile_direction_range_s1_mean"]);
  const dirTiles2 = slice(t2, 1, CH.g0, CH.g135 + 1);
  const anis2 = sub(g.op("ReduceMax", [dirTiles2], { axes: [1], keepdims: 1 }), g.op("ReduceMin", [dirTiles2], { axes: [1], keepdims: 1 }));
  add(meanHW(anis2), ["tile_direction_range_s2_mean"]);

  // ---- noise: Immerkaer response in the flattest tiles ------------------------------------
  add(log(noiseFloor1), ["noise_s1_flattest10"]);
  add(log(g.op("ReduceMax", [topk(nTiles1, 600, false)[0]!], { axes: [1], keepdims: 1 })), ["noise_s1_median_tile"]);
  add(log(topkMean(flat(noiseTiles(d2, H / 2, W / 2, 8)), 120, false)), ["noise_s2_flattest10"]);
  const n = KERNELS.noise!;
  const chromaW = g.floats(
    [
      ...n.map((v) => v), ...n.map((v) => -v), ...n.map(() => 0), // R - G
      ...n.map(() => 0), ...n.map((v) => -v), ...n.map((v) => v), // B - G
    ],
    [2, 3, 3, 3],
  );
  const chroma = g.op("Abs", [g.op("Conv", [edgePad(x), chromaW], { kernel_shape: [3, 3] })]);
  const chromaTiles = flat(avgPool(g.op("ReduceSum", [chroma, g.ints([1])], { keepdims: 1 }), 8));
  add(log(topkMean(chromaTiles, 120, false)), ["chroma_noise_s2_flattest10"]);

  // ---- glare: dark channel (haze), clipped white blobs, bright low-contrast areas --------
  const darkChannel = flat(g.op("Neg", [maxPool(g.op("Neg", [minRgb]), 8)])); // 30x40
  add(mean1(darkChannel), ["dark_channel_mean"]);
  add(topkMean(darkChannel, 120, true), ["dark_channel_top10"]);
  add(mean1(sigmoid(darkChannel, 0.5, 20)), ["dark_channel_frac_gt_0.5"]);
  add(mean1(sigmoid(darkChannel, 0.75, 20)), ["dark_channel_frac_gt_0.75"]);
  const whiteTiles = flat(avgPool(sigmoid(minRgb, 0.93, 80), 8));
  add(max1(whiteTiles), ["white_tile_max"]);
  add(mean1(sigmoid(whiteTiles, 0.5, 20)), ["white_tile_frac_gt_0.5"]);
  const sat = sub(maxRgb, minRgb);
  add(meanHW(mul(sigmoid(y2, 0.85, 40), below(sat, 0.12, 40))), ["frac_bright_desaturated"]);
  const tileMean16 = avgPool(y2, 8);
  const tileStd16 = g.op("Sqrt", [addT(g.op("Relu", [sub(avgPool(sq(y2), 8), sq(tileMean16))]), c(EPS))]);
  add(log(meanHW(tileStd16)), ["log_tile_std_mean"]);
  add(meanHW(mul(sigmoid(tileMean16, 0.75, 30), below(tileStd16, 0.04, 80))), ["frac_bright_flat_tiles"]);
  add(topkMean(flat(tileStd16), 120, false), ["tile_std_bottom10"]);

  // ---- obstruction: flat tiles, their colour, and whether they hug an edge ----------------
  const gradEnergy2 = tileSum(slice(d2, 1, CH.g0, CH.g90 + 1), 2, H / 2, W / 2, 8, "ReduceSumSquare"); // [1,2,30,40]
  const tex = log(mul(g.op("ReduceSum", [gradEnergy2, g.ints([1])], { keepdims: 1 }), c(1 / 64))); // 30x40
  const texT = [-10, -8.5, -7, -5.5];
  add(meanHW(g.op("Sigmoid", [mul(sub(g.floats(texT, [1, texT.length, 1, 1]), tex), c(2))])), texT.map((t) => `frac_flat_tiles_lt_${t}`));
  const flatMap = below(tex, -7, 2);
  const rgbTiles = avgPool(x, 8); // [1,3,30,40]
  const r = slice(rgbTiles, 1, 0, 1);
  const gr = slice(rgbTiles, 1, 1, 2);
  const b = slice(rgbTiles, 1, 2, 3);
  const reddish = mul(sigmoid(sub(r, b), 0.08, 30), sigmoid(sub(r, gr), 0.0, 30));
  const dark = below(tileMean16, 0.25, 25);
  add(meanHW(mul(flatMap, dark)), ["frac_flat_dark_tiles"]);
  add(meanHW(mul(flatMap, reddish)), ["frac_flat_reddish_tiles"]);
  const region = (m: string, y0: number, y1: number, x0: number, x1: number) =>
    g.op("ReduceMean", [slice(slice(m, 2, y0, y1), 3, x0, x1)], { axes: [2, 3], keepdims: 0 });
  const regions = (m: string) => [
    region(m, 0, 30, 0, 14), region(m, 0, 30, 26, 40), region(m, 0, 10, 0, 40), region(m, 20, 30, 0, 40),
    region(m, 0, 15, 0, 20), region(m, 0, 15, 20, 40), region(m, 15, 30, 0, 20), region(m, 15, 30, 20, 40),
  ];
  const flatRegions = g.op("Concat", regions(flatMap), { axis: 1 });
  add(max1(flatRegions), ["flat_region_max"]);
  add(min1(flatRegions), ["flat_region_min"]);
  const blobMap = mul(flatMap, g.op("Max", [dark, reddish]));
  add(max1(g.op("Concat", regions(blobMap), { axis: 1 })), ["flat_dark_or_red_region_max"]);
  add(meanHW(x), ["mean_r", "mean_g", "mean_b"]);
  add(meanHW(sat), ["mean_saturation"]);

  // ---- glare: shape of the clipped region and the light around it ------------------------
  // Glare is light added over the scene: a compact, filled, roughly elliptical clipped blob,
  // usually inside the frame, whose veil lifts the blacks and lowers contrast in rings around
  // it. A white object (snow, cloud, fur, a wall) is clipped in ragged, scattered or elongated
  // patches that often run into the frame's border, with the scene's own contrast right next
  // to it. Maps on a 60x80 grid of 8x8-pixel tiles. (Features named glare_* are used by the
  // glare head only.)
  const sumHW = (v: string) => g.op("ReduceSum", [v, g.ints([2, 3])], { keepdims: 0 });
  const wmean = (v: string, w: string) => g.op("Div", [sumHW(mul(v, w)), addT(sumHW(w), c(EPS))]);
  const dilate = (m: string, rad: number) => {
    const h = g.op("MaxPool", [m], { kernel_shape: [1, 2 * rad + 1], strides: [1, 1], pads: [0, rad, 0, rad] });
    return g.op("MaxPool", [h], { kernel_shape: [2 * rad + 1, 1], strides: [1, 1], pads: [rad, 0, rad, 0] });
  };
  const erode = (m: string, rad: number) => g.op("Neg", [dilate(g.op("Neg", [m]), rad)]);
  const clippedTiles = sigmoid(avgPool(sigmoid(minRgb, 0.94, 100), 4), 0.5, 20); // [1,1,60,80]
  const tileFloor = g.op("Neg", [maxPool(g.op("Neg", [minRgb]), 4)]); // darkest min-channel value per tile
  const tileLum8 = avgPool(y2, 4);
  const tileStd8 = g.op("Sqrt", [addT(g.op("Relu", [sub(avgPool(sq(y2), 4), sq(tileLum8))]), c(EPS))]);
  const tileSat8 = avgPool(sat, 4);
  const clipArea = meanHW(clippedTiles);
  const floorRef = topkMean(flat(tileFloor), 480, false); // darkest 10% of tiles
  const contrastRef = topkMean(flat(tileStd8), 2400, true); // the more textured half of the tiles
  add(log(addT(clipArea, c(1e-3))), ["glare_clip_log_area"]);
  // Growth under dilation (small for one compact blob, large for scattered patches) and
  // survival under erosion (large for a filled blob, small for thin or ragged whites).
  const RADII = [2, 5, 10, 20];
  const dilated = RADII.map((rad) => dilate(clippedTiles, rad));
  dilated.forEach((d, i) =>
    add(g.op("Log", [g.op("Div", [addT(meanHW(d), c(1e-3)), addT(clipArea, c(1e-3))])]), [`glare_log_dilation_growth_r${RADII[i]}`]),
  );
  for (const rad of [2, 4]) add(g.op("Div", [meanHW(erode(clippedTiles, rad)), addT(clipArea, c(1e-3))]), [`glare_erosion_survival_r${rad}`]);
  // Rings 0-2, 2-5, 5-10 and 10-20 tiles out from the clipped area: how much the blacks are
  // lifted, brightness, contrast relative to the frame's, saturation.
  dilated.forEach((d, i) => {
    const ring = sub(d, i === 0 ? clippedTiles : dilated[i - 1]!);
    const rad = RADII[i];
    add(sub(wmean(tileFloor, ring), floorRef), [`glare_ring${rad}_floor_lift`]);
    add(wmean(tileLum8, ring), [`glare_ring${rad}_lum`]);
    add(g.op("Div", [wmean(tileStd8, ring), addT(contrastRef, c(EPS))]), [`glare_ring${rad}_contrast_rel`]);
    add(wmean(tileSat8, ring), [`glare_ring${rad}_sat`]);
  });
  const border = g.floats(
    Array.from({ length: 60 * 80 }, (_, p) => {
      const ty = Math.floor(p / 80), tx = p % 80;
      return ty < 4 || ty >= 56 || tx < 4 || tx >= 76 ? 1 : 0;
    }),
    [1, 1, 60, 80],
  );
  add(g.op("Div", [sumHW(mul(clippedTiles, border)), addT(sumHW(clippedTiles), c(EPS))]), ["glare_clip_border_share"]);

  const features = g.op("Concat", parts, { axis: 1 });
  return { features, names };
}
