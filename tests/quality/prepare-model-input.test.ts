// The model input must be the photo as displayed (EXIF orientation applied), turned to
// landscape, whatever the orientation tag; checked against libvips' own auto-orientation.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, prepareModelInput } from "../../server/quality/prepare-model-input";

/** An asymmetric test card: a colour gradient plus a white block near one corner. */
async function card(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = (y * width + x) * 3;
    const block = x < width / 4 && y < height / 5;
    raw[i] = block ? 255 : Math.round((255 * x) / width);
    raw[i + 1] = block ? 255 : Math.round((255 * y) / height);
    raw[i + 2] = block ? 255 : 60;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

async function reference(bytes: Buffer): Promise<Buffer> {
  // Slow but obviously right: orient the full image, turn portrait to landscape, then resize.
  const oriented = await sharp(bytes).autoOrient().png().toBuffer();
  const m = await sharp(oriented).metadata();
  let p = sharp(oriented);
  if (m.height! > m.width!) p = sharp(await p.rotate(90).png().toBuffer());
  return p.resize(MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT, { fit: "cover" }).removeAlpha().raw().toBuffer();
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe("prepareModelInput", () => {
  for (const [w, h] of [[1200, 900], [900, 1200]]) {
    for (let orientation = 1; orientation <= 8; orientation++) {
      it(`${w}x${h} stored, EXIF orientation ${orientation}`, async () => {
        const bytes = await sharp(await card(w, h)).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
        const got = await prepareModelInput(bytes);
        assert.equal(got.rgb.length, MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3);
        const want = await reference(bytes);
        const d = meanAbsDiff(got.rgb, want);
        assert.ok(d < 3, `mean difference ${d.toFixed(2)} from the reference`);
        // A wrongly turned image differs a lot: make sure the comparison can tell.
        const flipped = await sharp(want, { raw: { width: MODEL_INPUT_WIDTH, height: MODEL_INPUT_HEIGHT, channels: 3 } }).rotate(180).raw().toBuffer();
        assert.ok(meanAbsDiff(got.rgb, flipped) > 20);
      });
    }
  }
});
