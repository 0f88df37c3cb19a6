// The simple detectors the model must beat, computed on the same 640x480 model input:
// variance of the Laplacian (blur), luminance-histogram fractions (exposure), clipped-pixel
// fraction (glare), Immerkaer's global noise estimate (noise) and gradient coverage (obstruction).
export interface BaselineScores {
  /** Higher = blurrier: minus the log variance of the 3x3 Laplacian of luminance. */
  blur: number;
  /** Fraction of pixels with luminance below 0.2 (higher = darker). */
  dark: number;
  /** Fraction of pixels with luminance above 0.85 (higher = brighter). */
  bright: number;
  /** Fraction of pixels with all channels >= 250/255. */
  clipped: number;
  /** Immerkaer (1996) noise sigma estimate. */
  noise: number;
  /** Fraction of 16x16 tiles with almost no gradient (higher = emptier frame). */
  flat: number;
}

export function baselineScores(rgb: Uint8Array, width: number, height: number): BaselineScores {
  const n = width * height;
  const y = new Float32Array(n);
  let dark = 0, bright = 0, clipped = 0;
  for (let p = 0; p < n; p++) {
    const r = rgb[p * 3]!, g = rgb[p * 3 + 1]!, b = rgb[p * 3 + 2]!;
    const v = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    y[p] = v;
    if (v < 0.2) dark++;
    if (v > 0.85) bright++;
    if (r >= 250 && g >= 250 && b >= 250) clipped++;
  }
  let s = 0, ss = 0, noiseSum = 0, count = 0;
  const tiles = new Float64Array(Math.ceil(width / 16) * Math.ceil(height / 16));
  const tw = Math.ceil(width / 16);
  for (let yy = 1; yy < height - 1; yy++) {
    for (let xx = 1; xx < width - 1; xx++) {
      const p = yy * width + xx;
      const lap = y[p - width]! + y[p + width]! + y[p - 1]! + y[p + 1]! - 4 * y[p]!;
      s += lap;
      ss += lap * lap;
      count++;
      const nz = y[p - width - 1]! - 2 * y[p - width]! + y[p - width + 1]! - 2 * y[p - 1]! + 4 * y[p]! - 2 * y[p + 1]! + y[p + width - 1]! - 2 * y[p + width]! + y[p + width + 1]!;
      noiseSum += Math.abs(nz);
      const gx = y[p + 1]! - y[p - 1]!, gy = y[p + width]! - y[p - width]!;
      tiles[Math.floor(yy / 16) * tw + Math.floor(xx / 16)]! += gx * gx + gy * gy;
    }
  }
  const mean = s / count;
  const lapVar = ss / count - mean * mean;
  let flat = 0;
  for (const t of tiles) if (t / 256 < 1e-4) flat++;
  return {
    blur: -Math.log(lapVar + 1e-12),
    dark: dark / n,
    bright: bright / n,
    clipped: clipped / n,
    noise: (Math.sqrt(Math.PI / 2) / (6 * count)) * noiseSum,
    flat: flat / tiles.length,
  };
}
