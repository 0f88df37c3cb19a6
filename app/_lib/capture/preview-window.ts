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
 * server would see the photo, turned to landscape and scaled, and returns its RGB pixels
 * (written into `out` when given: 640×480×3 bytes at a byte offset that is a multiple of 4).
 * Only the window itself is drawn: the frame is placed so that the window falls on the
 * 640×480 canvas and the rest is clipped away, which on a slow phone is a third less
 * resampling than drawing the whole frame and cutting the window out of it.
 */
export function previewWindow(video: HTMLVideoElement, canvas: HTMLCanvasElement, index: number, out?: Uint8Array): PreviewWindow | null {
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
  // RGBA → RGB four pixels at a time: four 32-bit reads and three 32-bit writes (ImageData is
  // RGBA in memory and every phone is little-endian, so R is a word's low byte). A third of
  // the time of a byte store per channel, and no new 0.9 MB buffer per frame when the caller
  // hands back the last one (the model has copied it by then).
  const pixels = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.byteLength / 4);
  const rgb = out?.length === MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3 ? out : new Uint8Array(MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3);
  const words = new Uint32Array(rgb.buffer, rgb.byteOffset, rgb.length / 4);
  for (let p = 0, q = 0; p < pixels.length; p += 4, q += 3) {
    const a = pixels[p]!;
    const b = pixels[p + 1]!;
    const c = pixels[p + 2]!;
    const d = pixels[p + 3]!;
    words[q] = (a & 0xffffff) | (b << 24);
    words[q + 1] = ((b >>> 8) & 0xffff) | (c << 16);
    words[q + 2] = ((c >>> 16) & 0xff) | (d << 8);
  }
  return { rgb, index: i, count: origins.length, ms: { draw: t1 - t0, read: t2 - t1, rgb: performance.now() - t2 } };
}
