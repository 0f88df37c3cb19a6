// Display copies of a photo for the call UI and the evidence package. They are oriented,
// sRGB, and stripped of metadata (no GPS in thumbnails); the original bytes stay untouched.
import sharp, { type OutputInfo } from "sharp";
import { uploadError } from "../uploads/validate-image";
import { MAX_INPUT_PIXELS } from "./prepare-model-input";

export const THUMBNAIL_SIZES = [320, 1024] as const;

export interface Thumbnail {
  /** Longest side requested. */
  size: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

export async function makeThumbnails(bytes: Uint8Array, sizes: readonly number[] = THUMBNAIL_SIZES): Promise<Thumbnail[]> {
  if (sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 16 || s > 4096)) {
    throw new RangeError(`thumbnail sizes must be integers in [16, 4096], got ${JSON.stringify(sizes)}`);
  }
  const largest = Math.max(...sizes);
  let base: { data: Buffer; info: OutputInfo };
  try {
    // Decode once at the largest size (shrink-on-load), then derive the smaller ones from it.
    base = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      .resize(largest, largest, { fit: "inside", withoutEnlargement: true })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    // The header passed validation but the pixel data does not decode (a damaged chunk, a
    // header that claims more rows than the data holds): the same answer as the quality
    // check gives, whichever of the two runs into it first.
    throw uploadError("corrupt_image", `thumbnail decode failed: ${(err as Error).message}`);
  }
  const raw = { width: base.info.width, height: base.info.height, channels: base.info.channels };
  return Promise.all(
    sizes.map(async (size) => {
      const { data, info } = await sharp(base.data, { raw })
        .resize(size, size, { fit: "inside", withoutEnlargement: true })
        .jpeg({ quality: 82 })
        .toBuffer({ resolveWithObject: true });
      return { size, width: info.width, height: info.height, jpeg: data };
    }),
  );
}
