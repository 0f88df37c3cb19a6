// The compact copy of a still, made on the phone, for the quick provisional
// verdict on a slow uplink: the long side scaled to at most 1280 px (the
// quality model looks at 640×480; the server refuses images under 640×480),
// JPEG, at most 200 KB. The original goes afterwards, untouched.
export const COMPACT_MAX_BYTES = 200 * 1024;
const LONG_SIDES = [1280, 1024, 800];
const QUALITIES = [0.8, 0.65, 0.5];

export async function compactCopy(original: Blob): Promise<Blob> {
  // "from-image" applies the camera's EXIF orientation, as the server does for the original.
  const full = await createImageBitmap(original, { imageOrientation: "from-image" });
  try {
    for (const longSide of LONG_SIDES) {
      const scale = Math.min(1, longSide / Math.max(full.width, full.height));
      const width = Math.max(1, Math.round(full.width * scale));
      const height = Math.max(1, Math.round(full.height * scale));
      for (const quality of QUALITIES) {
        const blob = await encode(full, width, height, quality);
        if (blob.size <= COMPACT_MAX_BYTES) return blob;
      }
    }
  } finally {
    full.close();
  }
  throw new Error("could not make a compact copy under 200 KB");
}

async function encode(source: ImageBitmap, width: number, height: number, quality: number): Promise<Blob> {
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
