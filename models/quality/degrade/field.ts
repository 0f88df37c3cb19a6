// Single-channel float fields: smooth random fields (for uneven light, finger shading,
// blotchy chroma noise) and a separable Gaussian used to correlate noise spatially.
import { Rng } from "../random";

export function gaussianBlurField(src: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma < 0.3) return src.slice();
  const radius = Math.ceil(sigma * 3);
  const k = Float32Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  for (let i = 0; i < k.length; i++) k[i]! /= sum;
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  // Rows padded by edge replication so the inner loops need no bounds checks.
  const row = new Float32Array(width + 2 * radius);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let x = 0; x < row.length; x++) row[x] = src[base + Math.min(width - 1, Math.max(0, x - radius))]!;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = 0; j < k.length; j++) s += row[x + j]! * k[j]!;
      tmp[base + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let j = 0; j < k.length; j++) {
      const yy = Math.min(height - 1, Math.max(0, y + j - radius)) * width;
      const kj = k[j]!;
      for (let x = 0; x < width; x++) out[base + x]! += tmp[yy + x]! * kj;
    }
  }
  return out;
}

const banks = new Map<string, Float32Array>();

/**
 * Unit-variance Gaussian noise, optionally spatially correlated by a blur of `sigma` px.
 * Drawing a fresh field per sample dominated data generation, so fields are cut (random row
 * and circular column offset) from a seeded bank four frames tall, one bank per correlation.
 */
export function noiseField(rng: Rng, width: number, height: number, sigma: number): Float32Array {
  const level = Math.round(Math.min(2, Math.max(0, sigma)) * 2) / 2;
  const key = `${width}x${height}@${level}`;
  let bank = banks.get(key);
  if (!bank) {
    const bankRng = new Rng(0x5eed, Math.round(level * 10) + width * 7 + height * 13);
    const raw = Float32Array.from({ length: width * height * 4 }, () => bankRng.normal());
    bank = level < 0.3 ? raw : gaussianBlurField(raw, width, height * 4, level);
    let ss = 0;
    for (const v of bank) ss += v * v;
    const scale = 1 / Math.sqrt(ss / bank.length);
    for (let i = 0; i < bank.length; i++) bank[i]! *= scale;
    banks.set(key, bank);
  }
  const rowOffset = rng.int(0, height * 3 - 1);
  const colOffset = rng.int(0, width - 1);
  const sign = rng.chance(0.5) ? 1 : -1;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = (y + rowOffset) * width;
    const dst = y * width;
    for (let x = 0; x < width; x++) out[dst + x] = sign * bank[src + ((x + colOffset) % width)]!;
  }
  return out;
}

/** Smooth field in [-1,1]: bilinear interpolation of a coarse grid of random values. */
export function smoothField(rng: Rng, width: number, height: number, cells: number): Float32Array {
  const gw = cells + 2, gh = Math.max(2, Math.round((cells * height) / width)) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng.uniform(-1, 1));
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = (y / (height - 1)) * (gh - 3) + 1;
    const y0 = Math.floor(gy), fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = (x / (width - 1)) * (gw - 3) + 1;
      const x0 = Math.floor(gx), fx = gx - x0;
      // Smoothstep weights avoid visible grid creases.
      const sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy);
      const a = grid[y0 * gw + x0]!, b = grid[y0 * gw + x0 + 1]!;
      const c = grid[(y0 + 1) * gw + x0]!, d = grid[(y0 + 1) * gw + x0 + 1]!;
      out[y * width + x] = (a * (1 - sx) + b * sx) * (1 - sy) + (c * (1 - sx) + d * sx) * sy;
    }
  }
  return out;
}
