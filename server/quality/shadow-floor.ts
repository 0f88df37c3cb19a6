// Overexposure judged as a photographer judges it: by the shadows, not by the mean.
// A frame is overexposed when it could have been exposed shorter: even its darkest parts have
// been lifted off black. Every overexposure the gate is meant to catch is the whole scene scaled
// up in linear light (× 2^+1.3…+2.6), which lifts the darkest parts with the rest. A correctly
// exposed bright scene (a sunlit white wall, a laptop on a desk, a backlit subject) keeps
// something near black somewhere: exposing it shorter would have crushed that. The model's
// overexposure head learned "bright on average", so the verdict asks this statistic too
// (combine-window-scores.ts), as it asks highlight-headroom.ts about underexposure.
//
// Pure arithmetic over one 640x480 RGB window (the bytes the model sees), so the server's gate
// (assess-photo.ts) and the phone's live hints (app/_lib/capture/live-hints.ts) compute exactly
// the same number. The quantile and the level are chosen on the TRAINING photographs only
// (models/quality/shadow-level.ts; models/quality/EXPOSURE-RULE.md, third rule).

import { brightestChannelHistogram, histogramQuantile } from "./brightest-channel";

/**
 * Which pixels of the window count as "its shadows": the darkest 5% (about 15,000 pixels of a
 * 640x480 window, a dark object rather than a few specks). Chosen with the level below by
 * models/quality/shadow-level.ts on the TRAINING photographs: of the quantiles 0.1, 0.5, 1, 2
 * and 5%, the one whose level (set to keep at least 99% of the training renderer's
 * overexposure defects refusable) leaves the most training samples that are not overexposed
 * below it.
 */
export const SHADOW_QUANTILE = 0.05;

/**
 * A frame whose shadow level stays below this (sRGB code value 17 of 255, brightest channel)
 * keeps near-black somewhere: it is not refused for overexposure, whatever the model's score.
 * On the 29 training photographs: 286 of 288 overexposure defects reach it, and 450 of the 2712
 * samples that are not overexposed stay below it (models/quality/EXPOSURE-RULE.md, third rule).
 */
export const SHADOW_LEVEL = 17 / 255;

/**
 * The window's shadow level: the `quantile` point of its pixels' brightest channel (max of
 * R, G, B: a pixel is near black only if every channel is), in sRGB 0…1.
 */
export function shadowLevel(rgb: Uint8Array, quantile = SHADOW_QUANTILE): number {
  return histogramQuantile(brightestChannelHistogram(rgb), quantile);
}

/** Whether a frame judged as several windows has lifted shadows: only if EVERY window's shadows reach the level. */
export function frameShadowsLifted(windowLevels: readonly number[], level = SHADOW_LEVEL): boolean {
  if (windowLevels.length === 0) throw new Error("no window shadow levels");
  return Math.min(...windowLevels) >= level;
}
