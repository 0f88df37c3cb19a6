// Interleaved RGB float images and sRGB <-> linear-light conversion. Optical and sensor
// effects (blur, glare, exposure, photon noise) are physical in linear light, so the
// degradations convert there and back.
export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, length width*height*3. */
  data: Float32Array;
}

const U8_TO_LINEAR = Float32Array.from({ length: 256 }, (_, i) => srgbToLinear(i / 255));
const LUT_SIZE = 4096;
const LINEAR_TO_SRGB = Float32Array.from({ length: LUT_SIZE + 1 }, (_, i) => linearToSrgb(i / LUT_SIZE));

export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(v: number): number {
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
}

export function u8ToLinear(src: Uint8Array, width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = U8_TO_LINEAR[src[i]!]!;
  return { width, height, data };
}

/** Linear light -> sRGB in place, clipping to [0,1]. */
export function linearToSrgbInPlace(img: RgbImage): RgbImage {
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v <= 0) d[i] = 0;
    else if (v >= 1) d[i] = 1;
    else {
      const p = v * LUT_SIZE;
      const k = Math.floor(p);
      const f = p - k;
      d[i] = LINEAR_TO_SRGB[k]! * (1 - f) + LINEAR_TO_SRGB[k + 1]! * f;
    }
  }
  return img;
}

export function srgbToU8(img: RgbImage): Uint8Array {
  // Uint8ClampedArray rounds and clamps on assignment.
  const out = new Uint8ClampedArray(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i]! * 255;
  return new Uint8Array(out.buffer);
}

export function luminance(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}
