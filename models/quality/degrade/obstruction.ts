// Things between the lens and the scene: a fingertip over part of the lens (very close, so
// completely out of focus, lit through the skin and therefore red-orange), a lens fully
// covered (case, pocket, hand), or a frame with nothing in it (sky, ground, a wall).
import type { Rng } from "../random";
import { smoothField } from "./field";
import type { RgbImage } from "./rgb-image";
import { srgbToLinear } from "./rgb-image";

/** Composites a fingertip blob; returns the covered fraction of the frame. */
export function addFinger(img: RgbImage, rng: Rng, coverage: [number, number]): number {
  const { width, height, data } = img;
  for (let attempt = 0; attempt < 40; attempt++) {
    // Enter from a random side or corner, pointing inward.
    const side = rng.int(0, 7);
    const edge = [
      [0, rng.uniform(0.2, 0.8)], [1, rng.uniform(0.2, 0.8)], [rng.uniform(0.2, 0.8), 0], [rng.uniform(0.2, 0.8), 1],
      [0, 0], [1, 0], [0, 1], [1, 1],
    ][side]!;
    const cx = edge[0]! * width + rng.uniform(-0.08, 0.08) * width;
    const cy = edge[1]! * height + rng.uniform(-0.08, 0.08) * height;
    const rx = rng.uniform(0.2, 0.65) * width;
    const ry = rx * rng.uniform(0.45, 0.9);
    const angle = Math.atan2(height / 2 - cy, width / 2 - cx) + rng.uniform(-0.5, 0.5);
    const soft = rng.uniform(0.04, 0.15);
    const mask = new Float32Array(width * height);
    let area = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const dx = x - cx, dy = y - cy;
      const u = (dx * Math.cos(angle) + dy * Math.sin(angle)) / rx;
      const v = (-dx * Math.sin(angle) + dy * Math.cos(angle)) / ry;
      const d = Math.sqrt(u * u + v * v) - 1;
      const m = 1 / (1 + Math.exp(d / soft));
      mask[y * width + x] = m;
      area += m;
    }
    const frac = area / (width * height);
    if (frac < coverage[0] || frac > coverage[1]) continue;
    const skin = srgbToLinear(rng.uniform(0.35, 0.85));
    const base: [number, number, number] = [skin, skin * rng.uniform(0.25, 0.5), skin * rng.uniform(0.12, 0.35)];
    const shade = smoothField(rng, width, height, 3);
    const dim = rng.uniform(0.15, 1);
    for (let p = 0; p < width * height; p++) {
      const m = mask[p]!;
      if (m < 1e-4) continue;
      // Light leaks through the thin edge of the finger: brighter and redder near the rim.
      const rim = 4 * m * (1 - m);
      const lum = dim * (0.6 + 0.25 * shade[p]!) * (1 + 0.8 * rim);
      for (let c = 0; c < 3; c++) {
        const f = base[c]! * lum * (c === 0 ? 1 + 0.3 * rim : 1);
        data[p * 3 + c] = data[p * 3 + c]! * (1 - m) + f * m;
      }
    }
    return frac;
  }
  return 0;
}

/** Replaces the frame with a dark, featureless field (lens covered). */
export function coverLens(img: RgbImage, rng: Rng): void {
  const { width, height, data } = img;
  const level = srgbToLinear(rng.uniform(0.01, 0.2));
  const tint = [rng.uniform(0.6, 1.3), rng.uniform(0.6, 1.1), rng.uniform(0.5, 1.2)];
  const shade = smoothField(rng, width, height, 2);
  for (let p = 0; p < width * height; p++) {
    const v = level * (1 + 0.5 * shade[p]!);
    for (let c = 0; c < 3; c++) data[p * 3 + c] = v * tint[c]!;
  }
}

/**
 * Replaces the frame with a scene that has nothing in it: a sky gradient, or a tiny patch of
 * the real photo enlarged until only its colours remain (ground, wall, tarmac seen too close).
 */
export function featureless(img: RgbImage, rng: Rng): void {
  const { width, height, data } = img;
  if (rng.chance(0.5)) {
    const top = [rng.uniform(0.15, 0.55), rng.uniform(0.3, 0.7), rng.uniform(0.55, 1)].map(srgbToLinear);
    const bottom = [rng.uniform(0.55, 0.95), rng.uniform(0.6, 0.95), rng.uniform(0.7, 1)].map(srgbToLinear);
    const grey = rng.chance(0.3);
    const cloud = smoothField(rng, width, height, 4);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const t = y / (height - 1);
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = grey ? (top[1]! + bottom[1]!) / 2 : top[c]! * (1 - t) + bottom[c]! * t;
        data[p + c] = v * (1 + 0.08 * cloud[y * width + x]!);
      }
    }
    return;
  }
  const pw = rng.int(6, 16), ph = Math.max(4, Math.round((pw * height) / width));
  const px = rng.int(0, width - pw - 1), py = rng.int(0, height - ph - 1);
  const patch = new Float32Array(pw * ph * 3);
  for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) for (let c = 0; c < 3; c++) {
    patch[(y * pw + x) * 3 + c] = data[((py + y) * width + px + x) * 3 + c]!;
  }
  for (let y = 0; y < height; y++) {
    const gy = (y / (height - 1)) * (ph - 1);
    const y0 = Math.min(ph - 2, Math.floor(gy)), fy = gy - y0, sy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = (x / (width - 1)) * (pw - 1);
      const x0 = Math.min(pw - 2, Math.floor(gx)), fx = gx - x0, sx = fx * fx * (3 - 2 * fx);
      for (let c = 0; c < 3; c++) {
        const a = patch[(y0 * pw + x0) * 3 + c]!, b = patch[(y0 * pw + x0 + 1) * 3 + c]!;
        const cc = patch[((y0 + 1) * pw + x0) * 3 + c]!, d = patch[((y0 + 1) * pw + x0 + 1) * 3 + c]!;
        data[(y * width + x) * 3 + c] = (a * (1 - sx) + b * sx) * (1 - sy) + (cc * (1 - sx) + d * sx) * sy;
      }
    }
  }
}
