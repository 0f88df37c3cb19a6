// Sensor noise as phones deliver it, in three forms, all applied in sRGB so that `sigma` is
// directly the noise standard deviation a viewer sees in mid-tones:
// - "correlated": after demosaicing and mild denoising, shot noise is signal-dependent and
//   spatially correlated over a pixel or two, with separate blotchy chroma noise;
// - "gaussian": a sensor read out with little or no denoising (night mode off, cheap phones,
//   video frames) shows independent per-pixel noise in every channel, about as strong in the
//   shadows as in the mid-tones (read noise dominates);
// - "poisson": the same independent per-pixel noise, but photon-limited, so it grows with the
//   square root of the signal (weaker in the shadows, stronger in the highlights).
// In the independent forms part of the noise is common to the three channels (luma) and the
// rest is per channel (chroma), in proportions that differ between phones.
import type { Rng } from "../random";
import { noiseField } from "./field";
import type { RgbImage } from "./rgb-image";

export type NoiseKind = "correlated" | "gaussian" | "poisson";

export interface NoiseSpec {
  /** "correlated" when absent (the only form before 2026-12-03; the test fixtures use it). */
  kind?: NoiseKind;
  sigma: number; // std in sRGB [0,1] units at mid-grey
  lumaCorrelation: number; // px ("correlated" only)
  chromaCorrelation: number; // px ("correlated" only)
  chromaAmount: number; // relative to luma noise ("correlated"); share of per-channel noise (independent forms)
}

// sRGB value of middle grey (18% linear): where `sigma` is measured for signal-dependent noise.
const MID_GREY_SRGB = 0.46;

/** `moreForms` false: only the correlated form, with the random draws used before 2026-12-03. */
export function randomNoise(rng: Rng, sigma: number, moreForms = true): NoiseSpec {
  const kind: NoiseKind = moreForms ? (rng.weighted({ correlated: 0.45, gaussian: 0.3, poisson: 0.25 }) as NoiseKind) : "correlated";
  return {
    kind,
    sigma,
    lumaCorrelation: rng.uniform(0, 0.9),
    chromaCorrelation: rng.uniform(0.5, 2),
    chromaAmount: rng.uniform(0.2, 1),
  };
}

export function addNoise(img: RgbImage, rng: Rng, spec: NoiseSpec): void {
  if (spec.sigma <= 0) return;
  if ((spec.kind ?? "correlated") === "correlated") addCorrelatedNoise(img, rng, spec);
  else addIndependentNoise(img, rng, spec);
}

function addCorrelatedNoise(img: RgbImage, rng: Rng, spec: NoiseSpec): void {
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

function addIndependentNoise(img: RgbImage, rng: Rng, spec: NoiseSpec): void {
  const { width, height, data } = img;
  // Uncorrelated unit fields (correlation 0); each channel gets its own.
  const luma = noiseField(rng, width, height, 0);
  const chan = [noiseField(rng, width, height, 0), noiseField(rng, width, height, 0), noiseField(rng, width, height, 0)];
  // Mix so that each channel's noise has standard deviation exactly `s`.
  const a = Math.sqrt(1 - spec.chromaAmount), b = Math.sqrt(spec.chromaAmount);
  for (let p = 0; p < width * height; p++) {
    const i = p * 3;
    for (let c = 0; c < 3; c++) {
      const v = data[i + c]!;
      // Photon noise: variance proportional to the signal, equal to sigma² at middle grey;
      // a small floor stands for the read noise still present in the deepest shadows.
      const s = spec.kind === "poisson" ? spec.sigma * Math.sqrt(Math.max(0.04, Math.min(1, v)) / MID_GREY_SRGB) : spec.sigma;
      data[i + c] = v + s * (a * luma[p]! + b * chan[c]![p]!);
    }
  }
}
