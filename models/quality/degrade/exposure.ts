// Exposure error in linear light: scale by 2^ev, then either hard-clip (cheap phones, and any
// phone whose sensor itself saturated) or roll highlights off with a shoulder (most phone
// ISPs), both of which lose highlight detail. Where the shoulder starts (the knee) differs
// between phones: a low knee compresses much of the upper range, a high one is nearly a clip.
import type { RgbImage } from "./rgb-image";

export function applyExposure(img: RgbImage, ev: number, shoulder: boolean, knee = 0.75): void {
  const gain = 2 ** ev;
  const d = img.data;
  for (let i = 0; i < d.length; i++) {
    let v = d[i]! * gain;
    if (shoulder && v > knee) v = knee + (1 - knee) * (1 - Math.exp(-(v - knee) / (1 - knee)));
    d[i] = v > 1 ? 1 : v;
  }
}

/** Per-channel white-balance gains, in linear light. */
export function applyWhiteBalance(img: RgbImage, gains: [number, number, number]): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    d[i]! *= gains[0];
    d[i + 1]! *= gains[1];
    d[i + 2]! *= gains[2];
  }
}

/** Saturation and gamma tweaks in sRGB, as different phone "looks" apply. */
export function applyLook(img: RgbImage, saturation: number, gamma: number): void {
  const N = 1024;
  const lut = Float32Array.from({ length: N + 1 }, (_, i) => (i / N) ** gamma);
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i]!, g = d[i + 1]!, b = d[i + 2]!;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    for (let c = 0; c < 3; c++) {
      const v = Math.min(1, Math.max(0, y + (d[i + c]! - y) * saturation)) * N;
      const k = Math.floor(v);
      d[i + c] = k >= N ? lut[N]! : lut[k]! + (lut[k + 1]! - lut[k]!) * (v - k);
    }
  }
}
