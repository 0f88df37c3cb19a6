// Turns uploaded image bytes into the model's input: 640x480 landscape RGB, auto-oriented.
// Training runs every synthetic sample through this same function, so the model never sees
// a preprocessing the server does not do.
import sharp from "sharp";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "./model-window-layout";

export { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH };

/** Same cap as the upload validator: sharp refuses to decode anything larger. */
export const MAX_INPUT_PIXELS = 50_000_000;

export interface ModelInput {
  /** Interleaved RGB, MODEL_INPUT_HEIGHT x MODEL_INPUT_WIDTH x 3. */
  rgb: Uint8Array;
  /** True when the photo was portrait after EXIF orientation and was turned to landscape. */
  rotatedToLandscape: boolean;
}

export async function prepareModelInput(bytes: Uint8Array): Promise<ModelInput> {
  const m = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (!m.width || !m.height) throw new Error("image has no dimensions");
  const orientation = m.orientation && m.orientation >= 1 && m.orientation <= 8 ? m.orientation : 1;
  // Quality defects do not depend on which way up the phone was held, so every photo is
  // judged in the same 4:3 landscape frame (centre crop if needed); portrait shots are turned.
  // Orienting or turning a 12-MP image in libvips forces a full-size decode (~150 ms on one
  // core), so the STORED pixels are shrunk first (JPEG shrink-on-load) and the small result is
  // oriented here. A centre crop commutes with these rotations and mirrors.
  const storedLandscape = m.width >= m.height;
  const w = storedLandscape ? MODEL_INPUT_WIDTH : MODEL_INPUT_HEIGHT;
  const h = storedLandscape ? MODEL_INPUT_HEIGHT : MODEL_INPUT_WIDTH;
  return decodeToLandscape(bytes, orientation, w, h, "cover");
}

/**
 * Shrinks the STORED pixels to w x h (JPEG shrink-on-load; "cover" crops the centre, "fill"
 * keeps the whole frame) and orients the small result here, turned to landscape.
 */
export async function decodeToLandscape(bytes: Uint8Array, orientation: number, w: number, h: number, fit: "cover" | "fill"): Promise<ModelInput> {
  const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true })
    .resize(w, h, fit === "cover" ? { fit: "cover", position: "centre" } : { fit: "fill" })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== w || info.height !== h || info.channels !== 3) {
    throw new Error(`unexpected decoded size ${info.width}x${info.height}x${info.channels}`);
  }
  const swaps = orientation >= 5;
  const displayPortrait = swaps ? w > h : h > w;
  return {
    rgb: orientToLandscape(new Uint8Array(data.buffer, data.byteOffset, data.length), w, h, orientation, displayPortrait),
    rotatedToLandscape: displayPortrait,
  };
}

/**
 * Applies EXIF orientation (1-8) to small interleaved RGB, then turns a portrait result 90°
 * clockwise, in one pass. Each output pixel (x, y) reads the stored pixel it comes from.
 */
export function orientToLandscape(src: Uint8Array, w: number, h: number, orientation: number, turn: boolean): Uint8Array {
  if (orientation === 1 && !turn) return src;
  const swaps = orientation >= 5;
  const dw = swaps ? h : w; // displayed size
  const dh = swaps ? w : h;
  const ow = turn ? dh : dw; // output size
  const oh = turn ? dw : dh;
  const out = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Output -> displayed: a 90° clockwise turn means displayed (dx, dy) = (y, dh - 1 - x).
      const dx = turn ? y : x;
      const dy = turn ? dh - 1 - x : y;
      // Displayed -> stored, per EXIF orientation.
      let sx: number, sy: number;
      switch (orientation) {
        case 2: sx = w - 1 - dx; sy = dy; break;
        case 3: sx = w - 1 - dx; sy = h - 1 - dy; break;
        case 4: sx = dx; sy = h - 1 - dy; break;
        case 5: sx = dy; sy = dx; break;
        case 6: sx = dy; sy = h - 1 - dx; break;
        case 7: sx = w - 1 - dy; sy = h - 1 - dx; break;
        case 8: sx = w - 1 - dy; sy = dx; break;
        default: sx = dx; sy = dy;
      }
      const o = (y * ow + x) * 3, i = (sy * w + sx) * 3;
      out[o] = src[i]!;
      out[o + 1] = src[i + 1]!;
      out[o + 2] = src[i + 2]!;
    }
  }
  return out;
}
