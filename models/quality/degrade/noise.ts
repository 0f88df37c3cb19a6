// Sensor noise as a phone delivers it after demosaicing: signal-dependent (shot noise),
// partly spatially correlated, with separate blotchy chroma noise. Applied in sRGB so that
// `sigma` is directly the noise standard deviation a viewer sees in mid-tones.
import type { Rng } from "../random";
import { noiseField } from "./field";
import type { RgbImage } from "./rgb-image";

export interface NoiseSpec {
  sigma: number; // std in sRGB [0,1] units at mid-grey
  lumaCorrelation: number; // px
  chromaCorrelation: number; // px
  chromaAmount: number; // relative to luma noise
}

export function randomNoise(rng: Rng, sigma: number): NoiseSpec {
  return {
    sigma,
    lumaCorrelation: rng.uniform(0, 0.9),
    chromaCorrelation: rng.uniform(0.5, 2),
    chromaAmount: rng.uniform(0.2, 1),
  };
}

export function addNoise(img: RgbImage, rng: Rng, spec: NoiseSpec): void {
  if (spec.sigma <= 0) return;
  const { width, height, data } = img;
  const luma = noiseField(rng, width, height, spec.lumaCorrelation);
  const cr = noiseField(rng, width, height, spec.chromaCorrelation);
  const cb = noiseField(rng, width, height, spec.chromaCorrelation);
  for (let p = 0; p < width * height; p++) {
    const i = p * 3;
    const y = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
    // Shot noise grows with signal; the floor keeps read noise visible in shadows.
    const s = spec.sigma * Math.sqrt(0.25 + 1.5 * Math.min(1, y));
    const n = luma[p]! * s;
    const c1 = cr[p]! * s * spec.chromaAmount;
    const c2 = cb[p]! * s * spec.chromaAmount;
    data[i] = data[i]! + n + c1;
    data[i + 1] = data[i + 1]! + n - 0.5 * (c1 + c2);
    data[i + 2] = data[i + 2]! + n + c2;
  }
}
