// Optical blur kernels: camera-shake trajectories (motion) and a finite-aperture disc
// (defocus). Convolution itself is done by libvips through sharp, which is much faster than JS.
import sharp from "sharp";
import type { Rng } from "../random";

export interface Kernel {
  size: number;
  weights: number[];
}

/**
 * How the exposure is spread along the path. "uniform": the phone moves at a steady speed
 * during the exposure (a box streak when the path is straight); "ramp": it speeds up or slows
 * down (the start of a swing, a hand coming to rest), so one end of the streak holds more of
 * the light than the other.
 */
export type MotionProfile = "uniform" | "ramp";

/**
 * A hand-shake trajectory of total length `length` px: mostly straight along `angle`, with a
 * little random curvature (0 gives a straight streak), rasterised with bilinear splatting so
 * sub-pixel lengths are exact.
 */
export function motionKernel(rng: Rng, length: number, angle: number, curvature: number, profile: MotionProfile = "uniform"): Kernel {
  const half = Math.ceil(length / 2) + 2;
  const size = 2 * half + 1;
  const w = new Float64Array(size * size);
  const steps = Math.max(8, Math.ceil(length * 6));
  let theta = angle;
  let px = 0, py = 0;
  const pts: [number, number][] = [[0, 0]];
  const turn = curvature * rng.uniform(-1, 1);
  for (let i = 0; i < steps; i++) {
    theta += (turn + curvature * 0.5 * rng.normal()) / steps;
    px += (Math.cos(theta) * length) / steps;
    py += (Math.sin(theta) * length) / steps;
    pts.push([px, py]);
  }
  const cx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const cy = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  // Time spent near each point: equal steps in distance at constant speed; for a ramp the
  // speed grows linearly, so the time per step (the weight) falls from one end to the other.
  const weightAt = (k: number) => (profile === "ramp" ? 1 / (0.25 + (k / steps) * 1.75) : 1);
  for (const [k, [x0, y0]] of pts.entries()) {
    const x = x0 - cx + half, y = y0 - cy + half;
    const wk = weightAt(k);
    const ix = Math.floor(x), iy = Math.floor(y), fx = x - ix, fy = y - iy;
    const splat = (xx: number, yy: number, v: number) => {
      if (xx >= 0 && yy >= 0 && xx < size && yy < size) w[yy * size + xx]! += v;
    };
    splat(ix, iy, wk * (1 - fx) * (1 - fy));
    splat(ix + 1, iy, wk * fx * (1 - fy));
    splat(ix, iy + 1, wk * (1 - fx) * fy);
    splat(ix + 1, iy + 1, wk * fx * fy);
  }
  return normalise({ size, weights: Array.from(w) });
}

/** Anti-aliased disc of `radius` px, softened by a Gaussian of `soften` px (lens aberrations). */
export function defocusKernel(radius: number, soften: number): Kernel {
  const half = Math.ceil(radius + 3 * soften) + 1;
  const size = 2 * half + 1;
  const weights: number[] = [];
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      // 4x4 supersampling gives the disc a smooth edge for small radii.
      let disc = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
        const dx = x + (sx + 0.5) / 4 - 0.5, dy = y + (sy + 0.5) / 4 - 0.5;
        if (dx * dx + dy * dy <= Math.max(radius, 0.5) ** 2) disc += 1 / 16;
      }
      weights.push(disc);
    }
  }
  const k = normalise({ size, weights });
  return soften > 0.3 ? normalise(convolveKernels(k, gaussianKernel(soften))) : k;
}

export function gaussianKernel(sigma: number): Kernel {
  const half = Math.max(1, Math.ceil(sigma * 3));
  const size = 2 * half + 1;
  const weights: number[] = [];
  for (let y = -half; y <= half; y++) for (let x = -half; x <= half; x++) weights.push(Math.exp(-(x * x + y * y) / (2 * sigma * sigma)));
  return normalise({ size, weights });
}

function convolveKernels(a: Kernel, b: Kernel): Kernel {
  const size = a.size + b.size - 1;
  const w = new Float64Array(size * size);
  for (let ay = 0; ay < a.size; ay++) for (let ax = 0; ax < a.size; ax++) {
    const va = a.weights[ay * a.size + ax]!;
    if (va === 0) continue;
    for (let by = 0; by < b.size; by++) for (let bx = 0; bx < b.size; bx++) {
      w[(ay + by) * size + ax + bx]! += va * b.weights[by * b.size + bx]!;
    }
  }
  return { size, weights: Array.from(w) };
}

function normalise(k: Kernel): Kernel {
  const s = k.weights.reduce((a, b) => a + b, 0);
  return { size: k.size, weights: k.weights.map((v) => v / s) };
}

/** Convolves an 8-bit interleaved RGB image with `kernel` (edges extended by libvips). */
export async function convolveRgb8(rgb: Uint8Array, width: number, height: number, kernel: Kernel): Promise<Uint8Array> {
  // libvips convolves with integer maths when given an integer kernel, so scale the weights.
  const scale = 1 << 12;
  const ints = kernel.weights.map((v) => Math.round(v * scale));
  const sum = ints.reduce((a, b) => a + b, 0);
  const out = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .convolve({ width: kernel.size, height: kernel.size, kernel: ints, scale: sum, offset: 0 })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
