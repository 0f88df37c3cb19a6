// One window of the camera preview as the server's gate would see the photo: the frame turned
// to landscape, scaled and cut into the model's 640×480 windows by the same arithmetic as the
// server's (server/quality/model-window-layout.ts, prepare-model-windows.ts). Checked against
// the server's windows of the same frame in tests/browser/preview-windows.test.ts.
import { landscapeFrame, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, windowOrigins } from "../../../server/quality/model-window-layout";

export interface PreviewWindow {
  rgb: Uint8Array;
  index: number;
  count: number;
  /**
   * Milliseconds of each step, for the benchmark's breakdown of a frame: drawImage (the video
   * frame turned and scaled; a canvas may defer the drawing to the read), getImageData, RGBA→RGB.
   */
  ms: { draw: number; read: number; rgb: number };
}

/**
 * Draws window `index` (wrapped to the windows' count) of the video's current frame as the
 * server would see the photo, turned to landscape and scaled, and returns its RGB pixels.
 * Only the window itself is drawn: the frame is placed so that the window falls on the
 * 640×480 canvas and the rest is clipped away, which on a slow phone is a third less
 * resampling than drawing the whole frame and cutting the window out of it.
 */
export function previewWindow(video: HTMLVideoElement, canvas: HTMLCanvasElement, index: number): PreviewWindow | null {
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) return null;
  const { L, S } = landscapeFrame(vw, vh);
  const portrait = vh > vw;
  // Setting a canvas's size clears and may reallocate it: only when it changes.
  if (canvas.width !== MODEL_INPUT_WIDTH) canvas.width = MODEL_INPUT_WIDTH;
  if (canvas.height !== MODEL_INPUT_HEIGHT) canvas.height = MODEL_INPUT_HEIGHT;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) return null;
  const origins = windowOrigins(L, S);
  const i = index % origins.length;
  const { x0, y0 } = origins[i]!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  // The L×S landscape frame shifted so that the window's corner is the canvas's; a portrait
  // frame is turned 90° clockwise, as prepare-model-input.ts turns a portrait photo.
  if (portrait) ctx.setTransform(0, 1, -1, 0, L - x0, -y0);
  else ctx.setTransform(1, 0, 0, 1, -x0, -y0);
  const t0 = performance.now();
  ctx.drawImage(video, 0, 0, portrait ? S : L, portrait ? L : S);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  const t1 = performance.now();
  const rgba = ctx.getImageData(0, 0, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT).data;
  const t2 = performance.now();
  // One 32-bit read per pixel (R in the low byte: ImageData is RGBA in memory and every phone
  // is little-endian); a byte store keeps the low 8 bits. Half the time of four byte reads at 4× throttling.
  const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.byteLength / 4);
  const rgb = new Uint8Array(MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3);
  for (let p = 0, q = 0; p < pixels.length; p++, q += 3) {
    const v = pixels[p]!;
    rgb[q] = v;
    rgb[q + 1] = v >>> 8;
    rgb[q + 2] = v >>> 16;
  }
  return { rgb, index: i, count: origins.length, ms: { draw: t1 - t0, read: t2 - t1, rgb: performance.now() - t2 } };
}
