// Exposure judged as a photographer judges it: by the highlights, not by the mean.
// A frame is underexposed when it could have been exposed longer: its brightest parts sit far
// below full scale (unused headroom). Every underexposure the gate is meant to catch is the
// whole scene scaled down in linear light (× 2^-2…-4), so even its highlights end well below
// white. A correctly exposed night or dark-mood scene is dark on average, but its lamps, lit
// windows or bright sky already reach (near) full scale: exposing it longer would only clip
// them. The model's underexposure head learned "dark on average" (the training labels use the
// mean linear luminance), so the verdict asks this statistic too (combine-window-scores.ts).
//
// Pure arithmetic over one 640x480 RGB window (the bytes the model sees), so the server's gate
// (assess-photo.ts) and the phone's live hints (app/_lib/capture/live-hints.ts) compute exactly
// the same number. The percentile and the level were chosen on the TRAINING photographs only
// (models/quality/headroom-level.ts; models/EVAL.md).

import { brightestChannelHistogram, histogramQuantile } from "./brightest-channel";

/**
 * Which pixel of the window counts as "its highlights": the 99.95th percentile, i.e. the
 * brightest 0.05% (about 150 pixels of a 640x480 window, a few small lamps). Chosen with the
 * level below by models/quality/headroom-level.ts on the TRAINING photographs: of the
 * percentiles 99, 99.5, 99.8, 99.9 and 99.95, the one whose level (set to keep at least 99% of
 * the training renderer's underexposure defects refusable) frees the most training night
 * scenes (hard-good-samples.ts) that the model refuses for underexposure.
 */
export const HIGHLIGHT_PERCENTILE = 0.9995;

/**
 * A frame whose highlight level reaches this (sRGB code value 183 of 255, brightest channel)
 * has no headroom: it is not refused for underexposure, whatever the model's score. On the
 * 29 training photographs: 233 of 235 underexposure defects stay below it (the two above have a
 * small light source in the frame), and 168 of the 188 clean night scenes refused for
 * underexposure reach it (models/EVAL.md).
 */
export const HEADROOM_LEVEL = 183 / 255;

/**
 * The window's highlight level: the `percentile` point of its pixels' brightest channel
 * (max of R, G, B, as a clipping warning reads it, so a coloured lamp counts), in sRGB 0…1.
 */
export function highlightLevel(rgb: Uint8Array, percentile = HIGHLIGHT_PERCENTILE): number {
  return histogramQuantile(brightestChannelHistogram(rgb), percentile);
}

/**
 * Whether a frame judged as several windows has headroom: only if NO window's highlights reach
 * the level (a lamp in one window is enough to show the exposure was set by it).
 */
export function frameHasHeadroom(windowLevels: readonly number[], level = HEADROOM_LEVEL): boolean {
  if (windowLevels.length === 0) throw new Error("no window highlight levels");
  return Math.max(...windowLevels) < level;
}
