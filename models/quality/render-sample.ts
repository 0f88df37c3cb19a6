// Makes one labelled training/evaluation photo from a real source photograph: a random
// phone-like framing, then the capture chain in physical order (optics: blur, glare, finger;
// exposure; sensor noise; ISP look and sharpening; JPEG), with labels following from the
// severities drawn. Severities are drawn either clearly acceptable or clearly defective;
// where a measured effect lands in between, the label is null (excluded).
import sharp from "sharp";
import type { Defect, Labels } from "./defects";
import { DEFECTS } from "./defects";
import { convolveRgb8, defocusKernel, motionKernel, type Kernel } from "./degrade/blur";
import { applyExposure, applyLook, applyWhiteBalance } from "./degrade/exposure";
import { gaussianBlurField } from "./degrade/field";
import { addGlare, randomGlare } from "./degrade/glare";
import { addNoise, randomNoise } from "./degrade/noise";
import { addEdgeObject } from "./degrade/edge-object";
import { addFinger, coverLens, featureless } from "./degrade/obstruction";
import { linearToSrgbInPlace, srgbToU8, u8ToLinear, type RgbImage } from "./degrade/rgb-image";
import type { Rng } from "./random";

export const SAMPLE_WIDTH = 640;
export const SAMPLE_HEIGHT = 480;
/** A sample's framing is at least this many times larger than the sample, where the source allows, so framing adds no blur. */
export const MIN_FRAMING_DOWNSCALE = 1.6;

/** Severity limits, in pixels/EV/sRGB units at 640x480. Written into thresholds.json and EVAL.md. */
export const SEVERITY = {
  motion_blur: { acceptableMaxPx: 1.3, defectMinPx: 4, defectMaxPx: 16 },
  defocus: { acceptableMaxRadiusPx: 0.6, defectMinRadiusPx: 2.2, defectMaxRadiusPx: 7 },
  // Exposure is drawn relative to the source photograph, but "too dark" is absolute: the
  // label also needs the rendered frame's mean linear luminance, in EV from middle grey (0.18).
  underexposure: { acceptableMinEv: -0.6, defectMaxEv: -1.8, defectMinEv: -4, acceptableMinMeanEv: -1.2, defectMaxMeanEv: -2 },
  overexposure: { acceptableMaxEv: 0.6, defectMinEv: 1.3, defectMaxEv: 3.2 },
  glare: { acceptableMaxWashedFraction: 0.004, defectMinWashedFraction: 0.02 },
  noise: { acceptableMaxSigma: 0.008, defectMinSigma: 0.03, defectMaxSigma: 0.09 },
  obstruction: { acceptableMaxFingerFraction: 0.03, defectMinFingerFraction: 0.15, defectMaxFingerFraction: 0.6 },
} as const;

export interface SourceImage {
  id: string;
  width: number;
  height: number;
  rgb: Uint8Array;
}

type Primary = "clean" | Exclude<Defect, "obstruction"> | "finger" | "object" | "cover" | "featureless";

/**
 * Which forms of each defect are drawn. "base": the forms the committed model was trained on
 * (before 2026-12-03), with exactly the same random draws, so `train.ts` still rebuilds it byte
 * for byte. "more": also independent per-pixel noise, bell-shaped and screened glare and
 * veiled flare, dark or neutral objects from an edge, straight box/ramp streaks and a variable
 * highlight knee (DATA.md); tried on 2026-12-03 and not adopted for training (models/EVAL.md),
 * used for the held-out samples of evaluate.ts.
 */
export type RenderForms = "base" | "more";

const BASE_PRIMARY_WEIGHTS: Record<Exclude<Primary, "object">, number> = {
  clean: 0.28,
  motion_blur: 0.1,
  defocus: 0.1,
  underexposure: 0.1,
  overexposure: 0.09,
  glare: 0.1,
  noise: 0.1,
  finger: 0.07,
  cover: 0.025,
  featureless: 0.035,
};

const PRIMARY_WEIGHTS: Record<Primary, number> = {
  clean: 0.28,
  motion_blur: 0.1,
  defocus: 0.1,
  underexposure: 0.1,
  overexposure: 0.09,
  glare: 0.1,
  noise: 0.1,
  finger: 0.06,
  // A case edge, strap or sleeve: dark or neutral, not lit through like a finger.
  object: 0.05,
  cover: 0.025,
  featureless: 0.035,
};

const SECONDARY: Partial<Record<Primary, Defect[]>> = {
  motion_blur: ["noise", "underexposure"],
  defocus: ["noise", "underexposure"],
  underexposure: ["noise", "motion_blur", "defocus"],
  noise: ["motion_blur", "defocus", "underexposure"],
  overexposure: ["motion_blur", "defocus"],
};

export interface RenderedSample {
  jpeg: Buffer;
  labels: Labels;
  description: string;
}

/** Mean linear luminance of the frame, in EV relative to middle grey (the underexposure labels' measure). */
export function meanLuminanceEv(img: RgbImage): number {
  const d = img.data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 3) sum += 0.2126 * d[i]! + 0.7152 * d[i + 1]! + 0.0722 * d[i + 2]!;
  return Math.log2(Math.max(1e-6, sum / (d.length / 3)) / 0.18);
}

export async function loadSource(id: string, file: string, maxSide = 2000): Promise<SourceImage> {
  const { data, info } = await sharp(file)
    .autoOrient()
    .resize(maxSide, maxSide, { fit: "inside", withoutEnlargement: true })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { id, width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * A phone-like framing of the source: 4:3, landscape or portrait (turned, as the server does),
 * at OVERSAMPLE times the output size. Blur is applied at that size and the result reduced,
 * so blur kernels need no sub-pixel rasterisation (which would add isotropic softening to
 * diagonal motion) and every sample, blurred or not, passes the same two resizes.
 */
const OVERSAMPLE = 2;
async function frame(src: SourceImage, rng: Rng): Promise<Uint8Array> {
  const W2 = SAMPLE_WIDTH * OVERSAMPLE, H2 = SAMPLE_HEIGHT * OVERSAMPLE;
  const portrait = rng.chance(0.3) && src.height * 0.75 >= 600;
  const aspect = portrait ? 3 / 4 : 4 / 3;
  const maxW = Math.min(src.width, Math.floor(src.height * aspect));
  // Downscale at least ~1.6x from the source to the final size where the source allows, so
  // framing alone adds no softness that could be mistaken for blur.
  const outW = portrait ? SAMPLE_HEIGHT : SAMPLE_WIDTH;
  const minW = Math.min(maxW, Math.max(Math.round(outW * MIN_FRAMING_DOWNSCALE), Math.round(maxW * 0.45)));
  const w = Math.round(rng.uniform(minW, maxW));
  const h = Math.min(src.height, Math.round(w / aspect));
  const left = rng.int(0, src.width - w);
  const top = rng.int(0, src.height - h);
  let p = sharp(src.rgb, { raw: { width: src.width, height: src.height, channels: 3 } })
    .extract({ left, top, width: w, height: h })
    .resize(portrait ? H2 : W2, portrait ? W2 : H2, { fit: "fill" });
  if (portrait) p = sharp(await p.raw().toBuffer(), { raw: { width: H2, height: W2, channels: 3 } }).rotate(90);
  if (rng.chance(0.5)) p = p.flop();
  const out = await p.raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The same blur expressed at the output size: each tap moved to half its offset (bilinear). */
function halveKernel(k: Kernel): Kernel {
  const h = k.size >> 1;
  const hh = Math.ceil(h / 2) + 1;
  const size = 2 * hh + 1;
  const w = new Array<number>(size * size).fill(0);
  for (let y = 0; y < k.size; y++) for (let x = 0; x < k.size; x++) {
    const v = k.weights[y * k.size + x]!;
    if (v === 0) continue;
    const py = (y - h) / 2 + hh, px = (x - h) / 2 + hh;
    const iy = Math.floor(py), ix = Math.floor(px), fy = py - iy, fx = px - ix;
    w[iy * size + ix]! += v * (1 - fx) * (1 - fy);
    w[iy * size + ix + 1]! += v * fx * (1 - fy);
    w[(iy + 1) * size + ix]! += v * (1 - fx) * fy;
    w[(iy + 1) * size + ix + 1]! += v * fx * fy;
  }
  return { size, weights: w };
}

async function reduce(rgb: Uint8Array): Promise<Uint8Array> {
  const out = await sharp(rgb, { raw: { width: SAMPLE_WIDTH * OVERSAMPLE, height: SAMPLE_HEIGHT * OVERSAMPLE, channels: 3 } })
    .resize(SAMPLE_WIDTH, SAMPLE_HEIGHT, { fit: "fill" })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function unsharp(img: RgbImage, amount: number): void {
  const { width, height, data } = img;
  for (let c = 0; c < 3; c++) {
    const chan = new Float32Array(width * height);
    for (let p = 0; p < chan.length; p++) chan[p] = data[p * 3 + c]!;
    const blurred = gaussianBlurField(chan, width, height, 1);
    for (let p = 0; p < chan.length; p++) data[p * 3 + c] = chan[p]! + amount * (chan[p]! - blurred[p]!);
  }
}

export async function renderSample(src: SourceImage, rng: Rng, forms: RenderForms = "base"): Promise<RenderedSample> {
  const W = SAMPLE_WIDTH, H = SAMPLE_HEIGHT;
  const more = forms === "more";
  const primary: Primary = more ? rng.weighted(PRIMARY_WEIGHTS) : rng.weighted(BASE_PRIMARY_WEIGHTS);
  const active = new Set<Defect>();
  if (primary !== "clean" && primary !== "finger" && primary !== "object" && primary !== "cover" && primary !== "featureless") active.add(primary);
  const secondaries = SECONDARY[primary];
  if (secondaries && rng.chance(0.25)) active.add(rng.pick(secondaries));
  if (active.has("motion_blur") && active.has("defocus")) active.delete("defocus");
  const labels = Object.fromEntries([...DEFECTS, "overall"].map((d) => [d, 0])) as Labels;
  const notes: string[] = [primary];

  let rgb8 = await frame(src, rng);

  // Optics: blur.
  let kernel: Kernel | null = null;
  if (active.has("motion_blur")) {
    const L = Math.exp(rng.uniform(Math.log(SEVERITY.motion_blur.defectMinPx), Math.log(SEVERITY.motion_blur.defectMaxPx)));
    // Hand shake traces a slightly curved path; a steady pan or a swing of the arm a straight
    // streak, at constant speed (box) or speeding up (ramp).
    const straight = more && rng.chance(0.4);
    const profile = more ? (rng.chance(0.5) ? "uniform" : "ramp") : "uniform";
    kernel = motionKernel(rng, L * OVERSAMPLE, rng.uniform(0, Math.PI), straight ? 0 : rng.uniform(0, 1.2), profile);
    labels.motion_blur = 1;
    notes.push(more ? `motion ${L.toFixed(1)}px ${straight ? "straight" : "shake"} ${profile}` : `motion ${L.toFixed(1)}px`);
  } else if (active.has("defocus")) {
    const r = Math.exp(rng.uniform(Math.log(SEVERITY.defocus.defectMinRadiusPx), Math.log(SEVERITY.defocus.defectMaxRadiusPx)));
    kernel = defocusKernel(r * OVERSAMPLE, rng.uniform(0, 1) * OVERSAMPLE);
    labels.defocus = 1;
    notes.push(`defocus r=${r.toFixed(1)}px`);
  } else if (rng.chance(0.35)) {
    // Acceptable softness: slight hand movement or focus a touch off.
    if (rng.chance(0.5)) {
      const L = rng.uniform(0.5, SEVERITY.motion_blur.acceptableMaxPx);
      // Draws in the order of the renderer that trained the 2026-12-03 trial (angle, curvature, ramp).
      const angle = rng.uniform(0, Math.PI), curvature = rng.uniform(0, 1);
      const ramp = more && rng.chance(0.3);
      kernel = motionKernel(rng, L * OVERSAMPLE, angle, curvature, ramp ? "ramp" : "uniform");
      notes.push(`slight motion ${L.toFixed(1)}px`);
    } else {
      const r = rng.uniform(0.3, SEVERITY.defocus.acceptableMaxRadiusPx);
      kernel = defocusKernel(r * OVERSAMPLE, rng.uniform(0, 0.3) * OVERSAMPLE);
      notes.push(`slight defocus r=${r.toFixed(1)}px`);
    }
  }
  // Small kernels are applied at the oversampled size (where sub-pixel rasterisation would
  // otherwise matter); large ones after reducing, since libvips' direct convolution cost grows
  // with the kernel area and a 1-px rasterisation error is negligible next to a long blur.
  if (kernel && kernel.size > 1 && kernel.size <= 21) rgb8 = await convolveRgb8(rgb8, W * OVERSAMPLE, H * OVERSAMPLE, kernel);
  rgb8 = await reduce(rgb8);
  if (kernel && kernel.size > 21) rgb8 = await convolveRgb8(rgb8, W, H, halveKernel(kernel));

  const img = u8ToLinear(rgb8, W, H);

  // Optics: things in front of the lens.
  if (primary === "finger") {
    const f = addFinger(img, rng, [SEVERITY.obstruction.defectMinFingerFraction, SEVERITY.obstruction.defectMaxFingerFraction]);
    labels.obstruction = f > 0 ? 1 : 0;
    notes.push(`finger ${(f * 100).toFixed(0)}%`);
  } else if (primary === "object") {
    const f = addEdgeObject(img, rng, [SEVERITY.obstruction.defectMinFingerFraction, SEVERITY.obstruction.defectMaxFingerFraction]);
    labels.obstruction = f > 0 ? 1 : 0;
    notes.push(`object ${(f * 100).toFixed(0)}%`);
  } else if (primary === "cover") {
    coverLens(img, rng);
    labels.obstruction = 1;
  } else if (primary === "featureless") {
    featureless(img, rng);
    labels.obstruction = 1;
  } else if (rng.chance(0.04)) {
    const f = addFinger(img, rng, [0.003, SEVERITY.obstruction.acceptableMaxFingerFraction]);
    notes.push(`finger tip ${(f * 100).toFixed(1)}%`);
  } else if (more && rng.chance(0.03)) {
    // A strap or the case's edge just touching the frame is still an acceptable photo.
    const f = addEdgeObject(img, rng, [0.003, SEVERITY.obstruction.acceptableMaxFingerFraction]);
    notes.push(`edge object ${(f * 100).toFixed(1)}%`);
  }
  const sceneGone = primary === "cover" || primary === "featureless";
  if (sceneGone) {
    labels.motion_blur = null;
    labels.defocus = null;
    labels.underexposure = null;
    labels.overexposure = null;
    labels.glare = null;
  }

  // Optics: glare.
  if (primary === "glare") {
    const washed = addGlare(img, randomGlare(rng, W, H, true, more));
    labels.glare = washed >= SEVERITY.glare.defectMinWashedFraction ? 1 : null;
    notes.push(`glare ${(washed * 100).toFixed(1)}%`);
  } else if (!sceneGone && rng.chance(0.25)) {
    const washed = addGlare(img, randomGlare(rng, W, H, false, more));
    labels.glare = washed <= SEVERITY.glare.acceptableMaxWashedFraction ? 0 : null;
    notes.push(`small highlights ${(washed * 100).toFixed(2)}%`);
  }

  // Exposure and white balance.
  let ev: number;
  if (active.has("underexposure")) {
    ev = rng.uniform(SEVERITY.underexposure.defectMinEv, SEVERITY.underexposure.defectMaxEv);
    if (!sceneGone) labels.underexposure = 1;
  } else if (active.has("overexposure")) {
    ev = rng.uniform(SEVERITY.overexposure.defectMinEv, SEVERITY.overexposure.defectMaxEv);
    if (!sceneGone) labels.overexposure = 1;
    if (labels.glare === 0) labels.glare = null;
  } else {
    ev = rng.uniform(SEVERITY.underexposure.acceptableMinEv, SEVERITY.overexposure.acceptableMaxEv);
  }
  notes.push(`ev ${ev.toFixed(2)}`);
  applyWhiteBalance(img, [rng.uniform(0.9, 1.1), 1, rng.uniform(0.9, 1.1)]);
  if (more) {
    // Half the phones roll highlights off (knee where the shoulder starts), half clip hard.
    const shoulder = rng.chance(0.5);
    const knee = rng.uniform(0.6, 0.9);
    applyExposure(img, ev, shoulder, knee);
    notes.push(shoulder ? `shoulder ${knee.toFixed(2)}` : "hard clip");
  } else {
    applyExposure(img, ev, rng.chance(0.6));
  }
  // A dark-mood original at a normal exposure is not a clearly good photo for a claim, and a
  // bright one (snow, white walls) a little under is not clearly a bad one: both are left
  // unlabelled rather than taught as the opposite of what the frame shows.
  const meanEv = meanLuminanceEv(img);
  notes.push(`mean ${meanEv.toFixed(2)} EV`);
  if (labels.underexposure === 1 && meanEv > SEVERITY.underexposure.defectMaxMeanEv) labels.underexposure = null;
  if (labels.underexposure === 0 && meanEv < SEVERITY.underexposure.acceptableMinMeanEv) labels.underexposure = null;
  linearToSrgbInPlace(img);
  const lowLight = active.has("noise") && rng.chance(0.6);
  applyLook(img, lowLight ? rng.uniform(0.55, 0.9) : rng.uniform(0.85, 1.2), rng.uniform(0.92, 1.08));

  // Sensor noise (shown in sRGB units).
  let sigma: number;
  if (active.has("noise")) {
    sigma = rng.uniform(SEVERITY.noise.defectMinSigma, SEVERITY.noise.defectMaxSigma);
    labels.noise = 1;
  } else if (primary === "cover") {
    sigma = rng.uniform(0.004, 0.03);
    labels.noise = null;
  } else {
    sigma = rng.uniform(0, SEVERITY.noise.acceptableMaxSigma);
  }
  const noise = randomNoise(rng, sigma, more);
  addNoise(img, rng, noise);
  notes.push(more ? `noise ${sigma.toFixed(3)} ${noise.kind ?? "correlated"}` : `noise ${sigma.toFixed(3)}`);

  // ISP sharpening, then JPEG as the phone would save it.
  if (rng.chance(0.5)) unsharp(img, rng.uniform(0.2, 0.8));
  const quality = rng.int(72, 95);
  const jpeg = await sharp(srgbToU8(img), { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality }).toBuffer();
  notes.push(`q${quality}`);

  const defectLabels = DEFECTS.map((d) => labels[d]);
  labels.overall = defectLabels.includes(1) ? 1 : defectLabels.includes(null) ? null : 0;
  return { jpeg, labels, description: notes.join(", ") };
}
