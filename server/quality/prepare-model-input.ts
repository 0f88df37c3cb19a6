// Turns uploaded image bytes into the model's input: 640x480 landscape RGB, auto-oriented.
// Training runs every synthetic sample through this same function, so the model never sees
// a preprocessing the server does not do.
import sharp from "sharp";

export const MODEL_INPUT_WIDTH = 640;
export const MODEL_INPUT_HEIGHT = 480;
/** Same cap as the upload validator: sharp refuses to decode anything larger. */
export const MAX_INPUT_PIXELS = 50_000_000;

export interface ModelInput {
  /** Interleaved RGB, MODEL_INPUT_HEIGHT x MODEL_INPUT_WIDTH x 3. */
  rgb: Uint8Array;
  /** True when the photo was portrait after EXIF orientation and was turned to landscape. */
  rotatedToLandscape: boolean;
}

export interface OrientedSize {
  width: number;
  height: number;
}

/** Display size after EXIF orientation (orientations 5-8 swap width and height). */
export async function orientedSize(bytes: Uint8Array): Promise<OrientedSize> {
  const m = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (!m.width || !m.height) throw new Error("image has no dimensions");
  const swap = (m.orientation ?? 1) >= 5;
  return swap ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
}

export async function prepareModelInput(bytes: Uint8Array, size?: OrientedSize): Promise<ModelInput> {
  const { width, height } = size ?? (await orientedSize(bytes));
  // Quality defects do not depend on which way up the phone was held, so portrait shots are
  // turned sideways and every photo fills the same 4:3 landscape frame (centre crop if needed).
  const portrait = height > width;
  let pipeline = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, sequentialRead: true }).autoOrient();
  if (portrait) pipeline = pipeline.rotate(90);
  // resize() lets libvips use JPEG shrink-on-load, so a 12-MP photo is never decoded at full size.
  const { data, info } = await pipeline
    .resize(MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT, { fit: "cover", position: "centre" })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== MODEL_INPUT_WIDTH || info.height !== MODEL_INPUT_HEIGHT || info.channels !== 3) {
    throw new Error(`unexpected model input ${info.width}x${info.height}x${info.channels}`);
  }
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.length), rotatedToLandscape: portrait };
}
