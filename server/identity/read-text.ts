// Reads the text lines of a photo: DB text detection gives a probability map,
// each connected region above the threshold becomes a rotated box (its
// principal axis, so a card photographed at an angle still gives straight
// lines), the box is cut out upright at the recognition model's height and
// read by CTC decoding. The standard PaddleOCR post-processing, kept small.
import sharp from "sharp";
import * as ort from "onnxruntime-node";
import { loadOcrModel, type OcrModel } from "./ocr-model";

/** A rotated box: centre, unit axis along the text, half-length along it and half-height across. */
export interface TextBox {
  cx: number;
  cy: number;
  ux: number;
  uy: number;
  halfLength: number;
  halfHeight: number;
}

export interface TextLine {
  text: string;
  /** Mean probability of the characters read. */
  confidence: number;
  box: TextBox;
}

export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

const DET_MAX_SIDE = 960;
const DET_THRESHOLD = 0.3;
const BOX_THRESHOLD = 0.6;
const UNCLIP_RATIO = 1.6;
const MIN_REGION_PIXELS = 12;
const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 1600;

/** The photo as upright RGB (EXIF orientation applied), at most 1600 px on its long side. */
export async function decodePhoto(bytes: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).rotate().resize({ width: 1600, height: 1600, fit: "inside", withoutEnlargement: true }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function readTextLines(image: RgbImage, model?: OcrModel): Promise<TextLine[]> {
  const m = model ?? (await loadOcrModel());
  const boxes = await detect(m, image);
  const lines: TextLine[] = [];
  for (const box of boxes) {
    const read = await recognise(m, image, box);
    if (read.text.trim()) lines.push({ ...read, box });
  }
  // Top to bottom, then left to right: the order a person reads a card in.
  return lines.sort((a, b) => (Math.abs(a.box.cy - b.box.cy) < Math.min(a.box.halfHeight, b.box.halfHeight) ? a.box.cx - b.box.cx : a.box.cy - b.box.cy));
}

async function detect(m: OcrModel, image: RgbImage): Promise<TextBox[]> {
  const scale = Math.min(1, DET_MAX_SIDE / Math.max(image.width, image.height));
  const w = Math.max(32, Math.round((image.width * scale) / 32) * 32);
  const h = Math.max(32, Math.round((image.height * scale) / 32) * 32);
  const small = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(w, h, { fit: "fill" }).raw().toBuffer();
  // PaddleOCR feeds OpenCV's BGR order with these (ImageNet) means and deviations.
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const input = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) input[c * w * h + i] = (small[i * 3 + (2 - c)]! / 255 - mean[c]!) / std[c]!;
  }
  const out = await m.detection.run({ [m.detection.inputNames[0]!]: new ort.Tensor("float32", input, [1, 3, h, w]) });
  const prob = out[m.detection.outputNames[0]!]!.data as Float32Array;
  const sx = image.width / w;
  const sy = image.height / h;
  return regions(prob, w, h).flatMap((px) => {
    const box = rotatedBox(px, prob, w, sx, sy);
    return box ? [box] : [];
  });
}

/** 8-connected regions of the thresholded map, as pixel index lists. */
function regions(prob: Float32Array, w: number, h: number): number[][] {
  const seen = new Uint8Array(w * h);
  const out: number[][] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (seen[start] || prob[start]! <= DET_THRESHOLD) continue;
    const px: number[] = [];
    seen[start] = 1;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      px.push(p);
      const x = p % w;
      const y = (p - x) / w;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (!seen[q] && prob[q]! > DET_THRESHOLD) {
            seen[q] = 1;
            stack.push(q);
          }
        }
      }
    }
    if (px.length >= MIN_REGION_PIXELS) out.push(px);
  }
  return out;
}

/** The region's rotated bounding box in photo pixels, grown back by the DB unclip distance; null when too faint. */
function rotatedBox(px: number[], prob: Float32Array, w: number, sx: number, sy: number): TextBox | null {
  let score = 0;
  let mx = 0;
  let my = 0;
  for (const p of px) {
    score += prob[p]!;
    mx += (p % w) * sx;
    my += Math.floor(p / w) * sy;
  }
  score /= px.length;
  if (score < BOX_THRESHOLD) return null;
  mx /= px.length;
  my /= px.length;
  let cxx = 0;
  let cyy = 0;
  let cxy = 0;
  for (const p of px) {
    const dx = (p % w) * sx - mx;
    const dy = Math.floor(p / w) * sy - my;
    cxx += dx * dx;
    cyy += dy * dy;
    cxy += dx * dy;
  }
  let angle = 0.5 * Math.atan2(2 * cxy, cxx - cyy);
  // Text runs left to right: keep the axis pointing right.
  if (Math.cos(angle) < 0) angle += Math.PI;
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  let minU = Infinity;
  let maxU = -Infinity;
  let minV = Infinity;
  let maxV = -Infinity;
  for (const p of px) {
    const dx = (p % w) * sx - mx;
    const dy = Math.floor(p / w) * sy - my;
    const u = dx * ux + dy * uy;
    const v = -dx * uy + dy * ux;
    minU = Math.min(minU, u);
    maxU = Math.max(maxU, u);
    minV = Math.min(minV, v);
    maxV = Math.max(maxV, v);
  }
  // Pixel extents cover one more pixel than their difference.
  const len = maxU - minU + sx;
  const hgt = maxV - minV + sy;
  if (Math.min(len, hgt) < 3) return null;
  const grow = (len * hgt * UNCLIP_RATIO) / (2 * (len + hgt));
  const cu = (minU + maxU) / 2;
  const cv = (minV + maxV) / 2;
  return { cx: mx + cu * ux - cv * uy, cy: my + cu * uy + cv * ux, ux, uy, halfLength: len / 2 + grow, halfHeight: hgt / 2 + grow };
}

/** Cuts a parallelogram out of the photo, upright, by bilinear sampling. */
export function cutOut(image: RgbImage, origin: { x: number; y: number }, along: { x: number; y: number }, down: { x: number; y: number }, outW: number, outH: number): Buffer {
  const out = Buffer.alloc(outW * outH * 3);
  const { data, width, height } = image;
  for (let j = 0; j < outH; j++) {
    for (let i = 0; i < outW; i++) {
      const fx = origin.x + ((i + 0.5) / outW) * along.x + ((j + 0.5) / outH) * down.x - 0.5;
      const fy = origin.y + ((i + 0.5) / outW) * along.y + ((j + 0.5) / outH) * down.y - 0.5;
      const x0 = Math.max(0, Math.min(width - 1, Math.floor(fx)));
      const y0 = Math.max(0, Math.min(height - 1, Math.floor(fy)));
      const x1 = Math.min(width - 1, x0 + 1);
      const y1 = Math.min(height - 1, y0 + 1);
      const ax = Math.max(0, Math.min(1, fx - x0));
      const ay = Math.max(0, Math.min(1, fy - y0));
      for (let c = 0; c < 3; c++) {
        const v =
          (1 - ay) * ((1 - ax) * data[(y0 * width + x0) * 3 + c]! + ax * data[(y0 * width + x1) * 3 + c]!) +
          ay * ((1 - ax) * data[(y1 * width + x0) * 3 + c]! + ax * data[(y1 * width + x1) * 3 + c]!);
        out[(j * outW + i) * 3 + c] = Math.round(v);
      }
    }
  }
  return out;
}

async function recognise(m: OcrModel, image: RgbImage, box: TextBox): Promise<{ text: string; confidence: number }> {
  const { cx, cy, ux, uy, halfLength, halfHeight } = box;
  const along = { x: 2 * halfLength * ux, y: 2 * halfLength * uy };
  const down = { x: -2 * halfHeight * uy, y: 2 * halfHeight * ux };
  const origin = { x: cx - along.x / 2 - down.x / 2, y: cy - along.y / 2 - down.y / 2 };
  const outW = Math.max(16, Math.min(REC_MAX_WIDTH, Math.round((REC_HEIGHT * halfLength) / halfHeight)));
  const rgb = cutOut(image, origin, along, down, outW, REC_HEIGHT);
  const input = new Float32Array(3 * outW * REC_HEIGHT);
  const plane = outW * REC_HEIGHT;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + (2 - c)]! / 255 - 0.5) / 0.5;
  }
  const out = await m.recognition.run({ [m.recognition.inputNames[0]!]: new ort.Tensor("float32", input, [1, 3, REC_HEIGHT, outW]) });
  const t = out[m.recognition.outputNames[0]!]!;
  const [, steps, classes] = t.dims as number[];
  const probs = t.data as Float32Array;
  let text = "";
  let sum = 0;
  let count = 0;
  let last = 0;
  for (let s = 0; s < steps!; s++) {
    let best = 0;
    let bestP = -1;
    for (let k = 0; k < classes!; k++) {
      const p = probs[s * classes! + k]!;
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    // CTC: repeats collapse, the blank (0) separates.
    if (best !== 0 && best !== last) {
      text += m.dictionary[best - 1] ?? "";
      sum += bestP;
      count++;
    }
    last = best;
  }
  return { text, confidence: count ? sum / count : 0 };
}
