// Glare judged as a veil over texture. Glare is light added over the scene, smooth in space:
// where it falls, the scene's darkest parts are lifted while its own texture is still there
// (added light does not remove detail). A white or bright object (a wall, a car, the sky, snow)
// also has a high floor but little texture of its own; fog lifts the whole frame. The glare
// head's features describe a blown region and the light around it, and a screened blob need not
// blow anything, so the verdict asks this statistic too (combine-window-scores.ts).
// Rule, choice of constants and adoption rule: models/quality/GLARE-RULE.md.
//
// Pure arithmetic over one 640x480 RGB window (the bytes the model sees), so the server's gate
// (assess-photo.ts) and the phone's live hints compute exactly the same number.

const TILE = 40;
const BLOCK = 4;

/** sRGB code value → linear light. */
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/** One tile's floor (lowest 4×4 block mean of the darkest channel) and texture (std of its blocks' luminance), linear light. */
export interface TileReading {
  floor: number;
  texture: number;
}

/** The tiles of a window (row-major, 40×40 pixels each; a partial last row or column is left out). */
export function tileReadings(rgb: Uint8Array, width: number, height: number): TileReading[] {
  if (rgb.length < width * height * 3 || width < TILE || height < TILE) throw new Error("window too small");
  const bw = Math.floor(width / BLOCK), bh = Math.floor(height / BLOCK);
  // Block means of the darkest channel and of luminance, linear light.
  const minMean = new Float64Array(bw * bh);
  const lumMean = new Float64Array(bw * bh);
  for (let y = 0; y < bh * BLOCK; y++) {
    const base = ((y / BLOCK) | 0) * bw;
    let i = y * width * 3;
    for (let bx = 0; bx < bw; bx++) {
      let mins = 0, lums = 0;
      for (let j = 0; j < BLOCK; j++, i += 3) {
        const r = LINEAR[rgb[i]!]!, g = LINEAR[rgb[i + 1]!]!, b = LINEAR[rgb[i + 2]!]!;
        mins += r < g ? (r < b ? r : b) : g < b ? g : b;
        lums += 0.2126 * r + 0.7152 * g + 0.0722 * b;
      }
      minMean[base + bx]! += mins;
      lumMean[base + bx]! += lums;
    }
  }
  const n = BLOCK * BLOCK;
  const per = TILE / BLOCK;
  const tiles: TileReading[] = [];
  for (let ty = 0; ty + TILE <= height; ty += TILE) {
    for (let tx = 0; tx + TILE <= width; tx += TILE) {
      let floor = Infinity, sum = 0, sum2 = 0;
      for (let by = ty / BLOCK; by < ty / BLOCK + per; by++) {
        for (let bx = tx / BLOCK; bx < tx / BLOCK + per; bx++) {
          const k = by * bw + bx;
          floor = Math.min(floor, minMean[k]! / n);
          const l = lumMean[k]! / n;
          sum += l;
          sum2 += l * l;
        }
      }
      const m = sum / (per * per);
      tiles.push({ floor, texture: Math.sqrt(Math.max(0, sum2 / (per * per) - m * m)) });
    }
  }
  return tiles;
}

/** Share of tiles with floor ≥ f and texture ≥ s. */
export function veiledShare(tiles: readonly TileReading[], f: number, s: number): number {
  if (tiles.length === 0) throw new Error("no tiles");
  return tiles.filter((t) => t.floor >= f && t.texture >= s).length / tiles.length;
}

/** A tile is veiled when its floor reaches this (linear light)… */
export const VEIL_FLOOR = 0.2;

/** …and its texture this (linear light). */
export const VEIL_TEXTURE = 0.04;

/** A frame is veiled when at least this share of some window's tiles are… */
export const VEIL_MIN_SHARE = 88 / 192;

/** …and at most this share: a veil over more of the frame is fog or exposure, which other heads judge. */
export const VEIL_MAX_SHARE = 0.5;

/** The veiled share of one model window (640×480 RGB). */
export function windowVeiledShare(rgb: Uint8Array, width: number, height: number): number {
  return veiledShare(tileReadings(rgb, width, height), VEIL_FLOOR, VEIL_TEXTURE);
}

/** Whether a frame judged as several windows is veiled: its most veiled window (glare is local). */
export function frameIsVeiled(windowShares: readonly number[]): boolean {
  if (windowShares.length === 0) throw new Error("no window veil shares");
  const v = Math.max(...windowShares);
  return v >= VEIL_MIN_SHARE - 1e-9 && v <= VEIL_MAX_SHARE;
}
