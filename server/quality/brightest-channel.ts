// The histogram both exposure rules read (highlight-headroom.ts, shadow-floor.ts): each pixel's
// brightest channel (max of R, G, B), as a clipping warning reads it. Exact and integer-based,
// so the server's gate and the phone's live hints compute the same numbers.

/** 256-bin histogram of the brightest channel of an interleaved RGB window. */
export function brightestChannelHistogram(rgb: Uint8Array): { hist: Uint32Array; pixels: number } {
  const pixels = Math.floor(rgb.length / 3);
  if (pixels === 0) throw new Error("empty window");
  const hist = new Uint32Array(256);
  for (let i = 0; i < pixels * 3; i += 3) {
    const r = rgb[i]!, g = rgb[i + 1]!, b = rgb[i + 2]!;
    hist[r > g ? (r > b ? r : b) : g > b ? g : b]!++;
  }
  return { hist, pixels };
}

/** The smallest value v (sRGB 0…1) such that at least `quantile` of the pixels are at or below v. */
export function histogramQuantile({ hist, pixels }: { hist: Uint32Array; pixels: number }, quantile: number): number {
  const need = Math.max(1, Math.ceil(quantile * pixels));
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen >= need) return v / 255;
  }
  return 1;
}
