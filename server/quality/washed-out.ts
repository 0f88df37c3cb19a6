// Overexposure judged as a photographer judges it: a frame is washed out when its highlights are
// blown over a large area AND nothing is left near black (exposing it shorter would have lost no
// shadow). Every overexposure the gate is meant to catch is the whole scene scaled up in linear
// light and clipped, which does both at once; a correctly exposed high-key scene (little blown),
// a backlit one exposed for its subject (shadows in the subject) and fog (blacks lifted, nothing
// blown) each fail one of the two. The model's overexposure head ranks overexposure well, but its
// threshold is held up by bright clean scenes, so the verdict asks this statistic too
// (combine-window-scores.ts). Rule, choice and adoption: models/quality/EXPOSURE-RULE.md.
//
// Pure arithmetic over one 640x480 RGB window (the bytes the model sees), so the server's gate
// (assess-photo.ts) and the phone's live hints (app/_lib/capture/live-hints.ts) compute exactly
// the same numbers. The constants were chosen on the TRAINING photographs only
// (models/quality/washout-level.ts; models/EVAL.md).

/** A pixel is blown when its darkest channel reaches this sRGB code value: all three clipped. */
export const WHITE_CODE = 250;

/** Which pixel of the window counts as "its shadows" (percentile of the brightest channel). */
export const SHADOW_PERCENTILE = 0.005;

/** Washed out needs at least this share of the frame blown… */
export const WASHOUT_WHITE_SHARE = 0.3;

/** …and its shadows at or above this level (sRGB code value / 255). */
export const WASHOUT_SHADOW_LEVEL = 0;

/** The two numbers of one window that the rule reads. */
export interface WashoutReading {
  /** Share of pixels blown in all three channels (min of R, G, B ≥ WHITE_CODE). */
  whiteShare: number;
  /** The SHADOW_PERCENTILE point of the pixels' brightest channel, sRGB 0…1. */
  shadow: number;
}

/** Histograms of each pixel's darkest and brightest channel (256 bins each). */
export function channelExtremaHistograms(rgb: Uint8Array): { min: Uint32Array; max: Uint32Array; pixels: number } {
  const n = Math.floor(rgb.length / 3);
  if (n === 0) throw new Error("empty window");
  const min = new Uint32Array(256);
  const max = new Uint32Array(256);
  for (let i = 0; i < n * 3; i += 3) {
    const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
    max[r > g ? (r > b ? r : b) : g > b ? g : b]!++;
    min[r < g ? (r < b ? r : b) : g < b ? g : b]!++;
  }
  return { min, max, pixels: n };
}

/** The smallest value v (0…255) such that at least `percentile` of the counted pixels are at or below v. */
export function histogramPercentile(hist: Uint32Array, pixels: number, percentile: number): number {
  const need = Math.max(1, Math.ceil(percentile * pixels));
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= need) return v;
  }
  return 255;
}

/** Share of the counted pixels at or above `code`. */
export function shareAtOrAbove(hist: Uint32Array, pixels: number, code: number): number {
  let above = 0;
  for (let v = code; v < 256; v++) above += hist[v]!;
  return above / pixels;
}

export function washoutReading(rgb: Uint8Array, percentile = SHADOW_PERCENTILE): WashoutReading {
  const { min, max, pixels } = channelExtremaHistograms(rgb);
  return { whiteShare: shareAtOrAbove(min, pixels, WHITE_CODE), shadow: histogramPercentile(max, pixels, percentile) / 255 };
}

/**
 * Whether a frame judged as several windows is washed out: blown on average over its windows,
 * and no window keeps shadows below the level.
 */
export function frameIsWashedOut(
  windows: readonly WashoutReading[],
  whiteShare = WASHOUT_WHITE_SHARE,
  shadowLevel = WASHOUT_SHADOW_LEVEL,
): boolean {
  if (windows.length === 0) throw new Error("no window readings");
  const meanWhite = windows.reduce((a, w) => a + w.whiteShare, 0) / windows.length;
  const minShadow = Math.min(...windows.map((w) => w.shadow));
  return meanWhite >= whiteShare && minShadow >= shadowLevel;
}
