// Turns uploaded image bytes into the model's inputs so that EVERY part of the photo is judged,
// whatever its aspect ratio and orientation. The model sees 640x480 landscape windows; the photo
// is decoded once (JPEG shrink-on-load), oriented and turned to landscape, scaled so that its
// short side is 480 px (its long side ≥ 640 px), and cut into as few evenly spaced, overlapping
// 640x480 windows as cover it. A 4:3 photo gives one window, exactly prepareModelInput's;
// 16:9 gives two, 2:1 two, 3:1 three. Before, only the centre 4:3 crop was judged, so a finger
// or a glare blob on the side of a 16:9 photo was never seen.
import sharp from "sharp";
import { MAX_INPUT_PIXELS, decodeToLandscape } from "./prepare-model-input";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, landscapeFrame, windowOrigins } from "./model-window-layout";

export { windowOffsets } from "./model-window-layout";

export interface ModelWindows {
  /** Interleaved RGB windows, each MODEL_INPUT_HEIGHT x MODEL_INPUT_WIDTH x 3, left to right (or top to bottom). */
  windows: Uint8Array[];
  /** True when the photo was portrait after EXIF orientation and was turned to landscape. */
  rotatedToLandscape: boolean;
}

export async function prepareModelWindows(bytes: Uint8Array): Promise<ModelWindows> {
  const m = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  if (!m.width || !m.height) throw new Error("image has no dimensions");
  const orientation = m.orientation && m.orientation >= 1 && m.orientation <= 8 ? m.orientation : 1;
  // Work in landscape terms: L = long side, S = short side of the stored image.
  const storedLandscape = m.width >= m.height;
  // Scale so that the landscape frame is at least 640 wide and 480 high, keeping the aspect.
  const { L, S } = landscapeFrame(m.width, m.height);
  const w = storedLandscape ? L : S;
  const h = storedLandscape ? S : L;
  // The STORED pixels are shrunk first (JPEG shrink-on-load) and the small result is oriented
  // in JavaScript: orienting a 12-MP image in libvips forces a full-size decode.
  const { rgb: landscape, rotatedToLandscape } = await decodeToLandscape(bytes, orientation, w, h, "fill");
  // After orientation and turning, the frame is L wide and S high.
  const windows: Uint8Array[] = [];
  const rowBytes = MODEL_INPUT_WIDTH * 3;
  for (const { x0, y0 } of windowOrigins(L, S)) {
    if (L === MODEL_INPUT_WIDTH && S === MODEL_INPUT_HEIGHT) {
      windows.push(landscape);
      continue;
    }
    const win = new Uint8Array(MODEL_INPUT_HEIGHT * rowBytes);
    for (let y = 0; y < MODEL_INPUT_HEIGHT; y++) {
      const from = ((y0 + y) * L + x0) * 3;
      win.set(landscape.subarray(from, from + rowBytes), y * rowBytes);
    }
    windows.push(win);
  }
  return { windows, rotatedToLandscape };
}
