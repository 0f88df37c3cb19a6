// Clean TRAINING samples of scenes a photo gate easily mistakes for defects (issue 12): haze and
// fog (low contrast under a bright airlight, not an obstruction) and correctly exposed night
// scenes (dark overall, but with light sources and true blacks, not an underexposed frame).
// Made from the TRAINING photographs only, every label 0 (no defect), and written apart from the
// evaluation's hard-good-scenes.ts (different haze direction and depth profile, different lamps,
// light sources drawn as several sizes of street lights and windows, 640x480 framing).
import sharp from "sharp";
import { prepareModelInput, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../server/quality/prepare-model-input";
import { baselineScores } from "./baselines";
import { runModel, type Row } from "./dataset";
import { OUTPUTS, type Labels } from "./defects";
import type { PhotoSource } from "./fetch-sources";
import { linearToSrgbInPlace, srgbToU8, u8ToLinear, type RgbImage } from "./degrade/rgb-image";
import { Rng } from "./random";
import { loadSource, SAMPLE_HEIGHT, SAMPLE_WIDTH, type SourceImage } from "./render-sample";
import type * as ort from "onnxruntime-node";

export const HARD_GOOD_KINDS = ["haze", "night"] as const;
export type HardGoodKind = (typeof HARD_GOOD_KINDS)[number];

async function crop(src: SourceImage, rng: Rng): Promise<Uint8Array> {
  const maxW = Math.min(src.width, Math.floor((src.height * 4) / 3));
  const w = Math.round(rng.uniform(Math.min(maxW, SAMPLE_WIDTH * 1.6), maxW));
  const h = Math.min(src.height, Math.round((w * 3) / 4));
  const out = await sharp(src.rgb, { raw: { width: src.width, height: src.height, channels: 3 } })
    .extract({ left: rng.int(0, src.width - w), top: rng.int(0, src.height - h), width: w, height: h })
    .resize(SAMPLE_WIDTH, SAMPLE_HEIGHT, { fit: "fill" })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Haze: J*t + A*(1-t), t varying linearly along a random direction (depth), airlight bright. */
function haze(img: RgbImage, rng: Rng): string {
  const { width: W, height: H, data } = img;
  const angle = rng.uniform(0, 2 * Math.PI), near = rng.uniform(0.55, 0.95), far = rng.uniform(0.25, near);
  const a = rng.uniform(0.55, 0.95), tint = rng.uniform(-0.05, 0.05);
  const A = [a * (1 + tint), a, a * (1 - tint)];
  const c = Math.cos(angle), s = Math.sin(angle);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const u = 0.5 + ((x / W - 0.5) * c + (y / H - 0.5) * s); // 0..1 along the direction, roughly
    const t = near + (far - near) * Math.min(1, Math.max(0, u));
    const i = (y * W + x) * 3;
    for (let k = 0; k < 3; k++) data[i + k] = data[i + k]! * t + A[k]! * (1 - t);
  }
  return `haze t ${far.toFixed(2)}…${near.toFixed(2)}, airlight ${a.toFixed(2)}`;
}

/** Night: darker, deeper shadows, a colour cast, and light sources (lamps, lit windows) that reach white. */
function night(img: RgbImage, rng: Rng): string {
  const { width: W, height: H, data } = img;
  const ev = rng.uniform(-3, -1.5), gamma = rng.uniform(1.1, 1.6), gain = 2 ** ev;
  const cast = rng.chance(0.5) ? [0.8, 0.95, 1.2] : [1.15, 0.95, 0.7]; // moonlit blue or sodium orange
  for (let i = 0; i < data.length; i += 3) for (let k = 0; k < 3; k++) data[i + k] = data[i + k]! ** gamma * gain * cast[k]!;
  const n = rng.int(2, 10);
  for (let l = 0; l < n; l++) {
    const window = rng.chance(0.3);
    const cx = rng.uniform(0, W), cy = rng.uniform(0, H * 0.75);
    const rx = window ? rng.uniform(4, 14) : rng.uniform(1.5, 6), ry = window ? rng.uniform(4, 18) : rx;
    const colour = [1, rng.uniform(0.7, 1), rng.uniform(0.4, 1)];
    const glow = rng.uniform(0.1, 0.5), spread = rng.uniform(1, 3);
    const r0 = Math.max(rx, ry);
    const R = Math.ceil(r0 * (1 + spread * 8)); // the glow has faded to e^-8 there
    for (let y = Math.max(0, Math.floor(cy - R)); y < Math.min(H, cy + R); y++) for (let x = Math.max(0, Math.floor(cx - R)); x < Math.min(W, cx + R); x++) {
      const inside = window ? Math.abs(x - cx) <= rx && Math.abs(y - cy) <= ry : Math.hypot((x - cx) / rx, (y - cy) / ry) <= 1;
      const d = Math.hypot(x - cx, y - cy) / r0;
      const v = inside ? 2 : glow * Math.exp(-Math.max(0, d - 1) / spread);
      const i = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) data[i + k] = data[i + k]! + v * colour[k]!;
    }
  }
  return `night ${ev.toFixed(1)} EV, shadows ^${gamma.toFixed(2)}, ${n} lights`;
}

export async function renderHardGood(src: SourceImage, kind: HardGoodKind, rng: Rng): Promise<{ jpeg: Buffer; description: string }> {
  const img = u8ToLinear(await crop(src, rng), SAMPLE_WIDTH, SAMPLE_HEIGHT);
  const description = kind === "haze" ? haze(img, rng) : night(img, rng);
  linearToSrgbInPlace(img);
  const quality = rng.int(75, 95);
  const jpeg = await sharp(srgbToU8(img), { raw: { width: SAMPLE_WIDTH, height: SAMPLE_HEIGHT, channels: 3 } }).jpeg({ quality }).toBuffer();
  return { jpeg, description: `clean ${kind}: ${description}, q${quality}` };
}

/** The random stream of clean hard scene j of `kind` from source photograph number s (buildHardGoodRows' seeding, shared with headroom-level.ts). */
export function hardGoodRng(seed: number, s: number, kind: HardGoodKind, j: number): Rng {
  return new Rng(seed ^ (s * 7919), HARD_GOOD_KINDS.indexOf(kind) * 1000 + j);
}

export async function buildHardGoodRows(sources: PhotoSource[], perKind: number, seed: number, session: ort.InferenceSession): Promise<Row[]> {
  const rows: Row[] = [];
  const labels = Object.fromEntries(OUTPUTS.map((o) => [o, 0])) as Labels;
  for (const [s, src] of sources.entries()) {
    const image = await loadSource(src.id, src.file);
    for (const kind of HARD_GOOD_KINDS) {
      for (let j = 0; j < perKind; j++) {
        const sample = await renderHardGood(image, kind, hardGoodRng(seed, s, kind, j));
        const { rgb } = await prepareModelInput(sample.jpeg);
        const { features } = await runModel(session, rgb);
        rows.push({ sourceId: src.id, features, labels: { ...labels }, baselines: baselineScores(rgb, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT), description: sample.description });
      }
    }
  }
  return rows;
}
