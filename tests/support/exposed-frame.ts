// Synthetic 640x480 frames for the exposure rules' tests (highlight-headroom, shadow-floor):
// sRGB code values to and from linear light with the project's own conversions
// (models/quality/degrade/rgb-image.ts), exact (no lookup table), so a frame and its copy
// exposed by some EV are reproducible to the code value.
import { linearToSrgb, srgbToLinear } from "../../models/quality/degrade/rgb-image";

/** A linear-light value as an 8-bit sRGB code value, clipped to 0…255. */
export function linearToU8(l: number): number {
  return Math.round(255 * Math.min(1, Math.max(0, linearToSrgb(l))));
}

/** The frame × 2^ev in linear light, clipped (as every generator's under- and overexposure). */
export function exposeU8(rgb: Uint8Array, ev: number): Uint8Array {
  const gain = 2 ** ev;
  return rgb.map((v) => linearToU8(srgbToLinear(v / 255) * gain));
}
