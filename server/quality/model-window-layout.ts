// Where the quality model's 640x480 windows lie on a photo: pure arithmetic, shared by the
// server's gate (prepare-model-windows.ts, on the uploaded original) and the phone's live hints
// (app/_lib/capture/live-hints.ts, on the camera preview), so both judge the same windows.

export const MODEL_INPUT_WIDTH = 640;
export const MODEL_INPUT_HEIGHT = 480;

/** Offsets of `count` windows of length `win` spread evenly over `total` (first at 0, last at the end). */
export function windowOffsets(total: number, win: number): number[] {
  if (total <= win) return [0];
  const count = Math.ceil(total / win);
  return Array.from({ length: count }, (_, i) => Math.round(((total - win) * i) / (count - 1)));
}

/**
 * The landscape frame a photo is scaled to before it is cut into windows: its long side L and
 * short side S, keeping the aspect, with L ≥ 640 and S ≥ 480 (short side 480 for 4:3 and wider).
 */
export function landscapeFrame(width: number, height: number): { L: number; S: number } {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const scale = Math.max(MODEL_INPUT_WIDTH / long, MODEL_INPUT_HEIGHT / short);
  return { L: Math.max(MODEL_INPUT_WIDTH, Math.round(long * scale)), S: Math.max(MODEL_INPUT_HEIGHT, Math.round(short * scale)) };
}

/** The windows' top-left corners on the L x S landscape frame, row by row. */
export function windowOrigins(L: number, S: number): { x0: number; y0: number }[] {
  return windowOffsets(S, MODEL_INPUT_HEIGHT).flatMap((y0) => windowOffsets(L, MODEL_INPUT_WIDTH).map((x0) => ({ x0, y0 })));
}
