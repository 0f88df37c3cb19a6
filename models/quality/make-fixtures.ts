// Writes the small test photos in tests/fixtures/photos from HELD-OUT source photographs
// (never used in training), with fixed, clearly acceptable or clearly defective settings:
//   npx tsx models/quality/make-fixtures.ts
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { convolveRgb8, defocusKernel, motionKernel } from "./degrade/blur";
import { applyExposure } from "./degrade/exposure";
import { addGlare } from "./degrade/glare";
import { addNoise } from "./degrade/noise";
import { addFinger, coverLens } from "./degrade/obstruction";
import { linearToSrgbInPlace, srgbToU8, u8ToLinear, type RgbImage } from "./degrade/rgb-image";
import { fetchSources } from "./fetch-sources";
import { Rng } from "./random";

const OUT = path.resolve(import.meta.dirname, "../../tests/fixtures/photos");
const W = 640, H = 480;

interface Recipe {
  file: string;
  source: string;
  /** Crop box as fractions of the (auto-oriented) source. */
  crop: [number, number, number, number];
  blur?: { kind: "motion"; length: number; angle: number } | { kind: "defocus"; radius: number };
  linear?: (img: RgbImage, rng: Rng) => void;
  srgb?: (img: RgbImage, rng: Rng) => void;
}

const RECIPES: Recipe[] = [
  { file: "city-sharp.jpg", source: "IMG_1054", crop: [0, 0, 1, 1] },
  { file: "city-motion-blur.jpg", source: "IMG_1054", crop: [0, 0, 1, 1], blur: { kind: "motion", length: 9, angle: 0.3 } },
  { file: "city-defocus.jpg", source: "IMG_1054", crop: [0, 0, 1, 1], blur: { kind: "defocus", radius: 4 } },
  { file: "city-finger.jpg", source: "IMG_1054", crop: [0, 0, 1, 1], linear: (img, rng) => void addFinger(img, rng, [0.3, 0.45]) },
  { file: "mountain-sharp.jpg", source: "picosdeeuropa", crop: [0.1, 0.15, 0.7, 0.7] },
  {
    file: "mountain-glare.jpg", source: "picosdeeuropa", crop: [0.1, 0.15, 0.7, 0.7],
    linear: (img) => void addGlare(img, {
      blobs: [{ cx: 380, cy: 220, rx: 90, ry: 60, angle: 0.4, intensity: 4 }], veil: 0.35, veilScale: 3, streak: 0, tint: [1, 1, 1],
    }),
  },
  { file: "dogs-well-lit.jpg", source: "IMG_20200608_111614", crop: [0.05, 0.1, 0.8, 0.8] },
  { file: "dogs-dark.jpg", source: "IMG_20200608_111614", crop: [0.05, 0.1, 0.8, 0.8], linear: (img) => applyExposure(img, -3, false) },
  { file: "dogs-overexposed.jpg", source: "IMG_20200608_111614", crop: [0.05, 0.1, 0.8, 0.8], linear: (img) => applyExposure(img, 2.5, true) },
  {
    file: "dogs-noisy.jpg", source: "IMG_20200608_111614", crop: [0.05, 0.1, 0.8, 0.8],
    srgb: (img, rng) => addNoise(img, rng, { sigma: 0.06, lumaCorrelation: 0.5, chromaCorrelation: 1.5, chromaAmount: 0.6 }),
  },
  { file: "lens-covered.jpg", source: "IMG_20200608_111614", crop: [0.05, 0.1, 0.8, 0.8], linear: (img, rng) => coverLens(img, rng) },
];

async function main() {
  mkdirSync(OUT, { recursive: true });
  const sources = new Map(fetchSources(["test"]).map((s) => [s.id, s]));
  for (const r of RECIPES) {
    const src = sources.get(r.source);
    if (!src || src.split !== "test") throw new Error(`fixture source ${r.source} must be a held-out (test) photograph`);
    const oriented = sharp(src.file).autoOrient();
    const { data: full, info } = await oriented.raw().toBuffer({ resolveWithObject: true });
    const [fx, fy, fw, fh] = r.crop;
    let rgb8: Uint8Array = new Uint8Array(
      await sharp(full, { raw: { width: info.width, height: info.height, channels: info.channels } })
        .extract({ left: Math.round(fx * info.width), top: Math.round(fy * info.height), width: Math.round(fw * info.width), height: Math.round(fh * info.height) })
        .resize(2 * W, 2 * H, { fit: "cover" })
        .removeAlpha()
        .raw()
        .toBuffer(),
    );
    const rng = new Rng(4242, RECIPES.indexOf(r));
    // Blur at twice the size, then reduce, exactly as render-sample.ts does.
    if (r.blur?.kind === "motion") rgb8 = await convolveRgb8(rgb8, 2 * W, 2 * H, motionKernel(rng, 2 * r.blur.length, r.blur.angle, 0));
    if (r.blur?.kind === "defocus") rgb8 = await convolveRgb8(rgb8, 2 * W, 2 * H, defocusKernel(2 * r.blur.radius, 0.6));
    rgb8 = new Uint8Array(await sharp(rgb8, { raw: { width: 2 * W, height: 2 * H, channels: 3 } }).resize(W, H, { fit: "fill" }).raw().toBuffer());
    const img = u8ToLinear(rgb8, W, H);
    r.linear?.(img, rng);
    linearToSrgbInPlace(img);
    r.srgb?.(img, rng);
    const jpeg = await sharp(srgbToU8(img), { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 72 }).toBuffer();
    writeFileSync(path.join(OUT, r.file), jpeg);
    console.log(`${r.file}: ${jpeg.length} bytes`);
  }

  // A real phone photo, reduced but with its EXIF intact (orientation 3, GPS, camera time).
  const phone = sources.get("IMG_20200124_231153")!;
  if (phone.split !== "test") throw new Error("phone fixture must come from a held-out photograph");
  const exifKept = await sharp(phone.file).resize(800, 600).keepExif().jpeg({ quality: 72 }).toBuffer();
  writeFileSync(path.join(OUT, "phone-exif-gps.jpg"), exifKept);
  console.log(`phone-exif-gps.jpg: ${exifKept.length} bytes`);
}

await main();
