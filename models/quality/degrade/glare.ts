// Specular glare: bright, desaturated blobs (reflections of the sun or a lamp on paint or
// glass) with a wide veil of scattered light that lifts the blacks around them.
import type { Rng } from "../random";
import type { RgbImage } from "./rgb-image";

export interface GlareSpec {
  blobs: { cx: number; cy: number; rx: number; ry: number; angle: number; intensity: number }[];
  veil: number;
  veilScale: number;
  streak: number;
  tint: [number, number, number];
}

export function randomGlare(rng: Rng, width: number, height: number, strong: boolean): GlareSpec {
  const n = strong ? rng.int(1, 2) : rng.int(1, 3);
  const blobs = Array.from({ length: n }, (_, i) => {
    const main = strong && i === 0;
    const r = main ? rng.uniform(0.07, 0.22) * width : rng.uniform(0.004, 0.02) * width;
    const aspect = rng.uniform(0.35, 1);
    return {
      cx: rng.uniform(0.1, 0.9) * width,
      cy: rng.uniform(0.1, 0.9) * height,
      rx: r,
      ry: r * aspect,
      angle: rng.uniform(0, Math.PI),
      intensity: main ? rng.uniform(1.5, 6) : rng.uniform(0.8, 3),
    };
  });
  const warm = rng.uniform(-0.08, 0.08);
  return {
    blobs,
    veil: strong ? rng.uniform(0.15, 0.55) : 0,
    veilScale: rng.uniform(2, 4),
    streak: strong && rng.chance(0.3) ? rng.uniform(0.3, 1.2) : 0,
    tint: [1 + warm, 1, 1 - warm],
  };
}

/** Adds glare in linear light; returns the fraction of the frame it washes out. */
export function addGlare(img: RgbImage, spec: GlareSpec): number {
  const { width, height, data } = img;
  const spot = new Float32Array(width * height);
  const veil = new Float32Array(width * height);
  for (const b of spec.blobs) {
    const cos = Math.cos(b.angle), sin = Math.sin(b.angle);
    // Only the veil (when present) and the streak reach far; the spot itself is negligible
    // beyond ~2.2 radii, so small highlights only touch their bounding box.
    const reach = spec.veil > 0 || spec.streak > 0 ? Infinity : 2.2 * Math.max(b.rx, b.ry);
    const x0 = Math.max(0, Math.floor(b.cx - reach)), x1 = Math.min(width - 1, Math.ceil(b.cx + reach));
    const y0 = Math.max(0, Math.floor(b.cy - reach)), y1 = Math.min(height - 1, Math.ceil(b.cy + reach));
    const vs2 = spec.veilScale * spec.veilScale;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const dx = x - b.cx, dy = y - b.cy;
        const u = (dx * cos + dy * sin) / b.rx;
        const v = (-dx * sin + dy * cos) / b.ry;
        const d2 = u * u + v * v;
        const p = y * width + x;
        // Flat-topped core with a soft edge: a reflection saturates the sensor in its centre.
        if (d2 < 5) spot[p]! += b.intensity * Math.exp(-Math.pow(d2, 1.5) * 1.2);
        if (spec.streak > 0) spot[p]! += spec.streak * b.intensity * 0.15 * Math.exp(-(v * v) * 40 - Math.abs(u) / 6);
        if (spec.veil > 0) veil[p] = Math.max(veil[p]!, Math.exp(-d2 / vs2));
      }
    }
  }
  let washed = 0;
  for (let p = 0; p < width * height; p++) {
    const i = p * 3;
    const vl = spec.veil * veil[p]!;
    const sp = spot[p]!;
    if (vl === 0 && sp === 0) continue;
    let bright = 0;
    for (let c = 0; c < 3; c++) {
      const out = data[i + c]! * (1 - vl) + vl * 0.9 * spec.tint[c]! + sp * spec.tint[c]!;
      data[i + c] = out;
      if (out >= 0.97) bright++;
    }
    // A pixel counts as washed out when the glare clipped it or its veil replaced most of it.
    if ((bright === 3 && sp > 0.1) || vl > 0.45) washed++;
  }
  return washed / (width * height);
}
