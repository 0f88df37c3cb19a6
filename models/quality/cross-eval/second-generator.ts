// A SECOND defect generator, written apart from the training renderer (render-sample.ts and
// degrade/*) and used only to evaluate: if the model had learned the renderer's quirks instead
// of the defects, it shows here. It works at the photo's full resolution (1600x1200 to
// 4000x3000), draws every defect in a different way from the training renderer, and sizes each
// one relative to the frame so that it is CLEARLY visible at any resolution:
// - motion blur: a straight box/ramp streak (sum of shifted copies), 1.5-2.5% of the width
//   (training: curved camera-shake trajectories of 4-16 px at 640 px);
// - defocus: a Gaussian (libvips blur, sigma 0.5-0.8% of the width) or a hard-edged disc
//   (radius 0.6-1%, from row prefix sums) (training: anti-aliased lens discs, sometimes softened);
// - exposure in linear light with a plain hard clip, +1.7-2.3 EV or -2.3-3 EV, no white-balance
//   jitter or tone shoulder;
// - glare: one to three SVG radial gradients with an elliptical flat white core, screened on,
//   plus a uniform veil (training: specular blobs with veiling glare and streaks);
// - sensor noise: independent Gaussian noise per channel and pixel, sigma 0.06-0.1 of full scale,
//   not signal-dependent, not spatially correlated (training: correlated luma + blotchy chroma);
// - obstruction: a dark (near-black) or skin-coloured ellipse with a soft rim, entering
//   from a random edge or corner and covering 20-40% of the frame.
import sharp from "sharp";
import { Rng } from "../random";

export const CROSS_DEFECTS = [
  "motion_streak",
  "gaussian_defocus",
  "disc_defocus",
  "overexposure_linear",
  "underexposure_linear",
  "glare_blobs",
  "sensor_noise",
  "dark_blob",
  "skin_blob",
] as const;
export type CrossDefect = (typeof CROSS_DEFECTS)[number];

/** Which model output must fire for each drawn defect (the "right first reason"). */
export const EXPECTED_REASON: Record<CrossDefect, string> = {
  motion_streak: "motion_blur",
  gaussian_defocus: "defocus",
  disc_defocus: "defocus",
  overexposure_linear: "overexposure",
  underexposure_linear: "underexposure",
  glare_blobs: "glare",
  sensor_noise: "noise",
  dark_blob: "obstruction",
  skin_blob: "obstruction",
};
/** Reasons that also count as right (a blur the model calls by the other blur name). */
export const ALSO_RIGHT: Partial<Record<CrossDefect, string[]>> = {
  motion_streak: ["defocus"],
  gaussian_defocus: ["motion_blur"],
  disc_defocus: ["motion_blur"],
};

export const MILD_CHANGES = ["jpeg_q75", "brighter_10pct", "darker_10pct", "resized_60pct"] as const;
export type MildChange = (typeof MILD_CHANGES)[number];

export interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

const toJpeg = (r: Raw, quality = 92) => sharp(r.data, { raw: { width: r.width, height: r.height, channels: 3 } }).jpeg({ quality }).toBuffer();

/** The photograph, oriented and cropped ("cover") to width x height, as raw sRGB. */
export async function baseFrame(file: string, width: number, height: number): Promise<Raw> {
  const { data, info } = await sharp(file).rotate().resize(width, height, { fit: "cover" }).removeAlpha().toColourspace("srgb").raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function mildCopy(base: Raw, change: MildChange): Promise<Buffer> {
  const img = () => sharp(base.data, { raw: { width: base.width, height: base.height, channels: 3 } });
  switch (change) {
    case "jpeg_q75":
      return img().jpeg({ quality: 75 }).toBuffer();
    case "brighter_10pct":
      return img().modulate({ brightness: 1.1 }).jpeg({ quality: 92 }).toBuffer();
    case "darker_10pct":
      return img().modulate({ brightness: 0.9 }).jpeg({ quality: 92 }).toBuffer();
    case "resized_60pct":
      return img().resize(Math.round(base.width * 0.6), Math.round(base.height * 0.6)).jpeg({ quality: 90 }).toBuffer();
  }
}

export const cleanCopy = (base: Raw) => toJpeg(base);

const LIN = new Float32Array(256).map((_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});
const toSrgb = (l: number) => {
  const c = l <= 0 ? 0 : l >= 1 ? 1 : l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.round(c * 255);
};

/**
 * A straight streak as integer pixel offsets with weights (box, or a "ramp" that weights it like
 * a shake that slows down), applied by summing shifted copies of the frame: a dense 2-D
 * convolution with a 100-px kernel on a 12-MP frame would take hours.
 */
function streakTaps(length: number, angle: number, ramp: boolean) {
  const taps = new Map<string, { dx: number; dy: number; w: number }>();
  const steps = Math.max(2, Math.ceil(length));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps - 0.5;
    const dx = Math.round(t * length * Math.cos(angle));
    const dy = Math.round(t * length * Math.sin(angle));
    const w = ramp ? 0.3 + (t + 0.5) : 1;
    const key = `${dx},${dy}`;
    const tap = taps.get(key) ?? { dx, dy, w: 0 };
    tap.w += w;
    taps.set(key, tap);
  }
  const list = [...taps.values()];
  const sum = list.reduce((a, b) => a + b.w, 0);
  return list.map((t) => ({ ...t, w: t.w / sum }));
}

function sumShifted(base: Raw, taps: { dx: number; dy: number; w: number }[]): Buffer {
  const { width: W, height: H, data } = base;
  const acc = new Float32Array(data.length);
  const col = new Int32Array(W);
  for (const { dx, dy, w } of taps) {
    for (let x = 0; x < W; x++) col[x] = Math.min(W - 1, Math.max(0, x + dx)) * 3;
    for (let y = 0; y < H; y++) {
      const sRow = Math.min(H - 1, Math.max(0, y + dy)) * W * 3;
      const oRow = y * W * 3;
      for (let x = 0; x < W; x++) {
        const s = sRow + col[x]!, o = oRow + x * 3;
        acc[o]! += w * data[s]!;
        acc[o + 1]! += w * data[s + 1]!;
        acc[o + 2]! += w * data[s + 2]!;
      }
    }
  }
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(acc[i]!);
  return out;
}

/**
 * A hard-edged disc (uniform circle of confusion), computed from per-row prefix sums: each
 * output pixel adds one horizontal run per row of the disc, so the cost grows with the radius,
 * not its square.
 */
function discBlur(base: Raw, radius: number): Buffer {
  const { width: W, height: H, data } = base;
  const r = Math.floor(radius);
  const half = Array.from({ length: 2 * r + 1 }, (_, k) => Math.floor(Math.sqrt(Math.max(0, radius * radius - (k - r) ** 2))));
  const area = half.reduce((a, h) => a + 2 * h + 1, 0);
  // prefix[y][c][x+1] = sum of channel c over row y, x' <= x
  const prefix = new Float64Array(H * 3 * (W + 1));
  for (let y = 0; y < H; y++) {
    for (let c = 0; c < 3; c++) {
      const base0 = (y * 3 + c) * (W + 1);
      let run = 0;
      for (let x = 0; x < W; x++) {
        run += data[(y * W + x) * 3 + c]!;
        prefix[base0 + x + 1] = run;
      }
    }
  }
  const out = Buffer.alloc(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let k = 0; k <= 2 * r; k++) {
          // Rows outside the frame mirror back into it; columns are clamped by shrinking the run
          // and counting the edge pixel for the part outside.
          let yy = y + k - r;
          if (yy < 0) yy = -yy;
          if (yy >= H) yy = 2 * H - 2 - yy;
          const h = half[k]!;
          const x0 = x - h, x1 = x + h;
          const row = (yy * 3 + c) * (W + 1);
          const a = Math.max(0, x0), b = Math.min(W - 1, x1);
          sum += prefix[row + b + 1]! - prefix[row + a]!;
          if (x0 < 0) sum += -x0 * data[(yy * W) * 3 + c]!;
          if (x1 > W - 1) sum += (x1 - W + 1) * data[(yy * W + W - 1) * 3 + c]!;
        }
        out[(y * W + x) * 3 + c] = Math.round(sum / area);
      }
    }
  }
  return out;
}

/**
 * A soft-rimmed ellipse entering the frame from an edge or corner, sized to cover about
 * `fraction` of it, blended over the frame in JavaScript (librsvg's blur filter on a 12-MP
 * canvas takes minutes here). Returns the share of the frame actually covered (alpha > 0.5).
 */
function drawBlob(base: Raw, fraction: number, fill: [number, number, number], rng: Rng): { data: Buffer; covered: number } {
  const { width: w, height: h } = base;
  // Centre on the frame's border (or a corner); an ellipse half outside covers about half its area.
  const corner = rng.chance(0.35);
  const side = rng.int(0, 3);
  let cx: number, cy: number;
  if (corner) {
    cx = side % 2 === 0 ? 0 : w;
    cy = side < 2 ? 0 : h;
  } else if (side === 0 || side === 2) {
    cx = rng.uniform(0.2, 0.8) * w;
    cy = side === 0 ? 0 : h;
  } else {
    cx = side === 1 ? w : 0;
    cy = rng.uniform(0.2, 0.8) * h;
  }
  const inside = corner ? 0.25 : 0.5;
  const aspect = rng.uniform(0.7, 1.4);
  const area = (fraction * w * h) / inside;
  const ry = Math.sqrt(area / (Math.PI * aspect));
  const rx = ry * aspect;
  const soft = Math.max(w, h) * 0.012;
  const rMin = Math.min(rx, ry);
  const out = Buffer.from(base.data);
  let covered = 0;
  for (let y = 0; y < h; y++) {
    const ny = (y - cy) / ry;
    for (let x = 0; x < w; x++) {
      const nx = (x - cx) / rx;
      const e = Math.sqrt(nx * nx + ny * ny);
      const t = ((1 - e) * rMin) / soft + 0.5;
      if (t <= 0) continue;
      const a = t >= 1 ? 1 : t * t * (3 - 2 * t);
      if (a > 0.5) covered++;
      const i = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(a * fill[c]! + (1 - a) * out[i + c]!);
    }
  }
  return { data: out, covered: covered / (w * h) };
}

/**
 * Streaks and discs are drawn on a copy whose long side is at most WORKING_LONG_SIDE px and
 * enlarged back (Lanczos): on this 2-core machine the sums over a 100-px streak or a 40-px disc
 * on a 12-MP frame take many minutes in JavaScript. Enlarging by up to 2.5x softens the frame by
 * about one working pixel, far below the drawn blur (24-40 working px streaks, 10-16 px discs),
 * so the defect is the same at the model's 640x480 scale.
 */
const WORKING_LONG_SIDE = 1600;
async function workingCopy(base: Raw): Promise<{ small: Raw; f: number }> {
  const f = Math.min(1, WORKING_LONG_SIDE / Math.max(base.width, base.height));
  if (f === 1) return { small: base, f };
  const sw = Math.round(base.width * f), sh = Math.round(base.height * f);
  const data = await sharp(base.data, { raw: { width: base.width, height: base.height, channels: 3 } }).resize(sw, sh, { fit: "fill" }).raw().toBuffer();
  return { small: { data, width: sw, height: sh }, f };
}
async function enlarge(data: Buffer, small: Raw, w: number, h: number) {
  const p = sharp(data, { raw: { width: small.width, height: small.height, channels: 3 } });
  if (small.width === w && small.height === h) return p;
  return sharp(await p.resize(w, h, { fit: "fill", kernel: "lanczos3" }).raw().toBuffer(), { raw: { width: w, height: h, channels: 3 } });
}

function normalTable(rng: Rng): Float32Array {
  const t = new Float32Array(1 << 22);
  for (let i = 0; i < t.length; i++) t[i] = rng.normal();
  return t;
}

/** Draws one clearly visible defect on the frame; returns JPEG bytes (quality 92) and what was drawn. */
export async function drawDefect(base: Raw, defect: CrossDefect, rng: Rng): Promise<{ jpeg: Buffer; description: string }> {
  const { width: w, height: h } = base;
  const img = () => sharp(base.data, { raw: { width: w, height: h, channels: 3 } });
  const finish = async (p: ReturnType<typeof sharp>, description: string) => ({ jpeg: await p.jpeg({ quality: 92 }).toBuffer(), description });
  const long = Math.max(w, h);
  switch (defect) {
    case "motion_streak": {
      const length = rng.uniform(0.015, 0.025) * long;
      const angle = rng.uniform(0, Math.PI);
      const ramp = rng.chance(0.5);
      const { small, f } = await workingCopy(base);
      return finish(await enlarge(sumShifted(small, streakTaps(length * f, angle, ramp)), small, w, h), `${ramp ? "ramp" : "box"} streak ${length.toFixed(0)} px at ${((angle * 180) / Math.PI).toFixed(0)}°`);
    }
    case "gaussian_defocus": {
      const sigma = rng.uniform(0.005, 0.008) * long;
      return finish(img().blur(sigma), `Gaussian sigma ${sigma.toFixed(1)} px`);
    }
    case "disc_defocus": {
      const radius = rng.uniform(0.006, 0.01) * long;
      const { small, f } = await workingCopy(base);
      return finish(await enlarge(discBlur(small, radius * f), small, w, h), `disc radius ${radius.toFixed(1)} px`);
    }
    case "overexposure_linear":
    case "underexposure_linear": {
      const ev = defect === "overexposure_linear" ? rng.uniform(1.7, 2.3) : -rng.uniform(2.3, 3);
      const gain = 2 ** ev;
      const lut = new Uint8Array(256).map((_, v) => toSrgb(LIN[v]! * gain));
      const out = Buffer.alloc(base.data.length);
      for (let i = 0; i < out.length; i++) out[i] = lut[base.data[i]!]!;
      return finish(sharp(out, { raw: { width: w, height: h, channels: 3 } }), `${ev > 0 ? "+" : ""}${ev.toFixed(1)} EV, hard clip`);
    }
    case "glare_blobs": {
      const n = rng.int(1, 3);
      const short = Math.min(w, h);
      let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><defs><radialGradient id="g"><stop offset="0" stop-color="#fff" stop-opacity="1"/><stop offset="0.35" stop-color="#fff" stop-opacity="1"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs>`;
      const veil = rng.uniform(0.1, 0.25);
      svg += `<rect width="${w}" height="${h}" fill="#fff" fill-opacity="${veil.toFixed(2)}"/>`;
      for (let i = 0; i < n; i++) {
        const r = rng.uniform(0.12, 0.22) * short;
        const cx = rng.uniform(0.15, 0.85) * w;
        const cy = rng.uniform(0.15, 0.85) * h;
        svg += `<ellipse cx="${cx.toFixed(0)}" cy="${cy.toFixed(0)}" rx="${(r * rng.uniform(0.8, 1.6)).toFixed(0)}" ry="${r.toFixed(0)}" fill="url(#g)"/>`;
      }
      svg += "</svg>";
      return finish(img().composite([{ input: Buffer.from(svg), blend: "screen" }]), `${n} glare blob(s), veil ${veil.toFixed(2)}`);
    }
    case "sensor_noise": {
      const sigma = rng.uniform(0.06, 0.1) * 255;
      // Normal deviates from a seeded table read with a random start and an odd stride: drawing
      // 36 M fresh ones for a 12-MP frame takes over a minute on this loaded machine.
      const table = normalTable(rng);
      const mask = table.length - 1;
      let j = rng.int(0, mask);
      const stride = 2 * rng.int(1000, 50000) + 1;
      const out = Buffer.alloc(base.data.length);
      for (let i = 0; i < out.length; i++) {
        const v = base.data[i]! + sigma * table[j]!;
        j = (j + stride) & mask;
        out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
      return finish(sharp(out, { raw: { width: w, height: h, channels: 3 } }), `Gaussian noise sigma ${(sigma / 255).toFixed(3)}`);
    }
    case "dark_blob":
    case "skin_blob": {
      const fraction = rng.uniform(0.2, 0.4);
      const fill: [number, number, number] =
        defect === "dark_blob" ? [rng.int(5, 30), rng.int(5, 25), rng.int(5, 25)] : [rng.int(170, 225), rng.int(110, 160), rng.int(90, 135)];
      const blob = drawBlob(base, fraction, fill, rng);
      return finish(sharp(blob.data, { raw: { width: w, height: h, channels: 3 } }), `${defect === "dark_blob" ? "dark" : "skin-coloured"} blob over ${(blob.covered * 100).toFixed(0)}% of the frame`);
    }
  }
}
