// The camera's simulcast layers, shared by the browser (what it encodes) and
// the server (which layer a receiver gets). Pure data and arithmetic: the
// browser bundle imports it too.
//
// Budget: a three-party survey must cost the phone at most 8 MB of mobile data
// a minute (≈ 1,070 kbit/s up + down). The phone sends all three layers
// (≈ 660 kbit/s of video) and receives the two others' smallest layer for its
// small tiles (≈ 2 × 80 kbit/s); Opus adds ≈ 30 kbit/s a stream, and RTP/RTCP
// overhead the rest. With the top layer at 450 kbit/s the measured total was
// 8.09 MB/min (2026-12-03): the top layer was lowered to 380 kbit/s, still a
// clear 1280×720 at 15 fps of a mostly still scene (the photos, not the video,
// carry the fine detail). docs/BENCHMARKS.md has the measured figures.

export interface CameraLayer {
  /** Divides the captured resolution (1280×720 asked for) in each dimension. */
  scaleResolutionDownBy: number;
  maxBitrate: number;
  maxFramerate?: number;
}

/** Lowest first, as RTP encodings are listed (rid r0, r1, r2). */
export const CAMERA_LAYERS: readonly CameraLayer[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 80_000, maxFramerate: 15 },
  { scaleResolutionDownBy: 2, maxBitrate: 200_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 380_000 },
];

/** The capture size the camera is asked for; the top layer's size. */
export const CAMERA_CAPTURE = { width: 1280, height: 720 } as const;

/** Temporal layers per spatial layer (VP8 L1T3: 1/4, 1/2 and full frame rate). */
export const TEMPORAL_LAYERS = 3;

/**
 * The smallest spatial layer that still fills a tile of `tileHeight` device
 * pixels (a layer up to a fifth smaller than the tile is accepted: nobody
 * sees the difference in a thumbnail, the bandwidth saving is ~2×).
 * `layerCount` is what the producer really sends (a low-resolution camera
 * sends fewer layers than asked for).
 */
export function spatialLayerForTile(tileHeight: number, layerCount: number = CAMERA_LAYERS.length): number {
  const top = Math.max(0, Math.min(layerCount, CAMERA_LAYERS.length) - 1);
  if (!Number.isFinite(tileHeight) || tileHeight <= 0) return top;
  for (let i = 0; i <= top; i++) {
    const scale = CAMERA_LAYERS[i + (CAMERA_LAYERS.length - 1 - top)]!.scaleResolutionDownBy;
    if (CAMERA_CAPTURE.height / scale >= tileHeight * 0.8) return i;
  }
  return top;
}

/** Spatial and temporal layer counts from an RTP scalabilityMode such as "L3T3" or "S3T3"; 1×1 when absent. */
export function layersOf(scalabilityMode: string | undefined): { spatial: number; temporal: number } {
  const m = /^[LS](\d+)T(\d+)/.exec(scalabilityMode ?? "");
  return m ? { spatial: Number(m[1]), temporal: Number(m[2]) } : { spatial: 1, temporal: 1 };
}
