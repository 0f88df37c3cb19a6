// The compact copy of a still, made on the phone, for the quick provisional
// verdict on a slow uplink: the long side scaled to at most 1280 px, JPEG
// (quality 0.7), at most 200 KB. The original goes afterwards, untouched.
//
// Why still 1280 px: the quality model sees 640×480 windows (the server scales
// every photo so that its short side is 480 px), so a 960×720 copy would carry a
// third fewer bytes; but its quick verdict differed from the original's far more
// often (11 of 362 photos against 6 at 1280 px: noise, small obstructions), always
// as an "accepted" the original then overturned. bench/capture/compact-agreement.ts
// measures it (docs/BENCHMARKS.md).
//
// Why ImageDecoder: decoding the whole 12-MP photo was most of the time the
// phone spent on the copy (0.3–0.8 s on the test machine). A JPEG can be
// decoded directly at n/8 of its size (the DCT is scaled in the decoder), which
// WebCodecs' ImageDecoder does when it is asked for a smaller picture: the
// smallest such size that still covers the copy's size is decoded (3/8 of a
// 4000×3000 photo's sides, about half the time of the whole), then scaled on a
// canvas. Where ImageDecoder is missing (Safari), the whole photo is decoded
// with createImageBitmap as before.
export const COMPACT_MAX_BYTES = 200 * 1024;
const LONG_SIDES = [1280, 1024, 800];
// JPEG quality 0.7 first: a fifth fewer bytes than 0.8 on the benchmark's grainy 12-MP
// scene (129 KB against 161 KB), and its quick verdicts differed from the originals' about as
// often as the earlier copy's (0.8, whole photo decoded): 7 of 362 agreement photos against 6;
// on the 75 hardest 4 against 4 (0.8: 3, 0.6: 5). The size of the copy mattered more.
const QUALITIES = [0.7, 0.6, 0.5];

/** A decoded picture, the right way up, that can be drawn on a canvas and must be closed. */
interface Decoded {
  source: CanvasImageSource;
  width: number;
  height: number;
  close(): void;
}

export async function compactCopy(original: Blob): Promise<Blob> {
  const picture = await decodeFor(original, LONG_SIDES[0]!);
  try {
    for (const longSide of LONG_SIDES) {
      const scale = Math.min(1, longSide / Math.max(picture.width, picture.height));
      const width = Math.max(1, Math.round(picture.width * scale));
      const height = Math.max(1, Math.round(picture.height * scale));
      for (const quality of QUALITIES) {
        const blob = await encode(picture.source, width, height, quality);
        if (blob.size <= COMPACT_MAX_BYTES) return blob;
      }
    }
  } finally {
    picture.close();
  }
  throw new Error("could not make a compact copy under 200 KB");
}

/** The still decoded at the smallest size whose long side still reaches `longSide` (or its own, if smaller). */
async function decodeFor(original: Blob, longSide: number): Promise<Decoded> {
  const scaled = await decodeScaled(original, longSide).catch(() => null);
  if (scaled) return scaled;
  // "from-image" applies the camera's EXIF orientation, as the server does for the original.
  const full = await createImageBitmap(original, { imageOrientation: "from-image" });
  return { source: full, width: full.width, height: full.height, close: () => full.close() };
}

async function decodeScaled(original: Blob, longSide: number): Promise<Decoded | null> {
  if (typeof ImageDecoder === "undefined" || !original.type || !(await ImageDecoder.isTypeSupported(original.type))) return null;
  const size = await pictureSize(original);
  const long = Math.max(size.width, size.height);
  // libjpeg decodes at n/8 of the stored size; Chromium's decoder takes the largest n whose
  // pixels fit in desiredWidth × desiredHeight (the area counts, so the orientation does not).
  const eighths = Math.min(8, Math.max(1, Math.ceil((8 * longSide) / long)));
  const decoder = new ImageDecoder({
    data: original.stream(),
    type: original.type,
    desiredWidth: Math.ceil((size.width * eighths) / 8) + 1,
    desiredHeight: Math.ceil((size.height * eighths) / 8) + 1,
  });
  try {
    const { image } = await decoder.decode();
    // The frame carries the EXIF orientation (rotation, flip) and is drawn the right way up.
    const width = image.displayWidth;
    const height = image.displayHeight;
    // A decoder that went smaller than asked would blur the copy, and the quick verdict with it.
    if (Math.max(width, height) < Math.min(longSide, long)) {
      image.close();
      return null;
    }
    return { source: image, width, height, close: () => image.close() };
  } finally {
    decoder.close();
  }
}

/** The photo's size the right way up, from the browser's own reading of its header (no pixels decoded). */
function pictureSize(blob: Blob): Promise<{ width: number; height: number }> {
  const url = URL.createObjectURL(blob);
  const img = new Image();
  return new Promise<{ width: number; height: number }>((resolve, reject) => {
    img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => reject(new Error("the still could not be read"));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

/**
 * Decodes and encodes a tiny picture once through the same path, so the page's
 * first photo does not also pay for starting the image codecs (the first
 * compact copy of a page took about twice as long as the next ones).
 */
export async function warmUpCompactCopy(): Promise<void> {
  if (typeof OffscreenCanvas === "undefined") return;
  const canvas = new OffscreenCanvas(64, 48);
  canvas.getContext("2d")!.fillRect(0, 0, 64, 48);
  const jpeg = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.8 });
  const picture = await decodeFor(jpeg, 32);
  try {
    await encode(picture.source, 32, 24, 0.8);
  } finally {
    picture.close();
  }
}

async function encode(source: CanvasImageSource, width: number, height: number, quality: number): Promise<Blob> {
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d")!;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(source, 0, 0, width, height);
    return canvas.convertToBlob({ type: "image/jpeg", quality });
  }
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d")!;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, width, height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("could not encode the compact copy"))), "image/jpeg", quality));
}

/** Hex SHA-256 of a blob, as the server computes it. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
