// What both exposure rules need from one window, read from a single histogram of its brightest
// channel: the highlight level (highlight-headroom.ts) and the shadow level (shadow-floor.ts).
// The server's gate and the phone's live hints judge every window with it.
import { brightestChannelHistogram, histogramQuantile } from "./brightest-channel";
import { HIGHLIGHT_PERCENTILE } from "./highlight-headroom";
import { SHADOW_QUANTILE } from "./shadow-floor";

export function windowTones(rgb: Uint8Array): { highlight: number; shadow: number } {
  const h = brightestChannelHistogram(rgb);
  return { highlight: histogramQuantile(h, HIGHLIGHT_PERCENTILE), shadow: histogramQuantile(h, SHADOW_QUANTILE) };
}
