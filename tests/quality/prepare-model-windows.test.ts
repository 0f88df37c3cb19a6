// Every part of the photo reaches the model, whatever its aspect ratio and orientation: the
// windows must tile the whole oriented, landscape-turned frame (checked against libvips' own
// auto-orientation and resize), and a 4:3 photo must give exactly the single input it always had.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import sharp from "sharp";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, prepareModelInput } from "../../server/quality/prepare-model-input";
import { prepareModelWindows, windowOffsets } from "../../server/quality/prepare-model-windows";

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

/** Slow but obviously right: orient the full image, turn portrait to landscape, scale short side to 480. */
async function referenceFrame(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const oriented = await sharp(bytes).autoOrient().png().toBuffer();
  const m = await sharp(oriented).metadata();
  let p = sharp(oriented);
  if (m.height! > m.width!) p = sharp(await p.rotate(90).png().toBuffer());
  const { width: w, height: h } = await p.metadata();
  const scale = Math.max(MODEL_INPUT_WIDTH / w!, MODEL_INPUT_HEIGHT / h!);
  const width = Math.max(MODEL_INPUT_WIDTH, Math.round(w! * scale));
  const height = Math.max(MODEL_INPUT_HEIGHT, Math.round(h! * scale));
  const data = await p.resize(width, height, { fit: "fill" }).removeAlpha().raw().toBuffer();
  return { data, width, height };
}

function cut(frame: { data: Buffer; width: number }, x0: number, y0: number): Uint8Array {
  const out = new Uint8Array(MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3);
  for (let y = 0; y < MODEL_INPUT_HEIGHT; y++) {
    const from = ((y0 + y) * frame.width + x0) * 3;
    out.set(frame.data.subarray(from, from + MODEL_INPUT_WIDTH * 3), y * MODEL_INPUT_WIDTH * 3);
  }
  return out;
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe("windowOffsets", () => {
  it("covers the whole length with the fewest evenly spaced windows", () => {
    assert.deepEqual(windowOffsets(480, 480), [0]);
    assert.deepEqual(windowOffsets(640, 640), [0]);
    assert.deepEqual(windowOffsets(853, 640), [0, 213]);
    assert.deepEqual(windowOffsets(1440, 640), [0, 400, 800]);
    for (const total of [641, 1000, 1279, 1281, 3000]) {
      const o = windowOffsets(total, 640);
      assert.equal(o[0], 0);
      assert.equal(o.at(-1)! + 640, total, `last window ends at the frame's end for ${total}`);
      for (let i = 1; i < o.length; i++) assert.ok(o[i]! - o[i - 1]! <= 640, `no gap for ${total}`);
    }
  });
});

describe("prepareModelWindows", () => {
  const cases: [number, number, number][] = [
    [1600, 1200, 1], // 4:3: one window, as before
    [1920, 1080, 2], // 16:9: both sides are judged
    [2400, 1080, 2], // 20:9 phone screen shape
    [1200, 1200, 2], // square: top and bottom
    [3000, 1000, 3], // panorama
  ];
  for (const [w, h, expected] of cases) {
    for (const [sw, sh] of [[w, h], [h, w]]) {
      for (const orientation of [1, 3, 6, 8]) {
        it(`${sw}x${sh} stored, EXIF orientation ${orientation}: ${expected} window(s) tiling the oriented frame`, async () => {
          const bytes = await sharp(await card(sw!, sh!)).withMetadata({ orientation }).jpeg({ quality: 95 }).toBuffer();
          const got = await prepareModelWindows(bytes);
          assert.equal(got.windows.length, expected);
          const frame = await referenceFrame(bytes);
          const xs = windowOffsets(frame.width, MODEL_INPUT_WIDTH);
          const ys = windowOffsets(frame.height, MODEL_INPUT_HEIGHT);
          assert.equal(xs.length * ys.length, expected);
          let k = 0;
          for (const y0 of ys) for (const x0 of xs) {
            const win = got.windows[k++]!;
            assert.equal(win.length, MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3);
            const d = meanAbsDiff(win, cut(frame, x0, y0));
            assert.ok(d < 3, `window ${k} differs from the reference by ${d.toFixed(2)}`);
          }
          // A wrongly turned frame differs a lot: make sure the comparison can tell.
          const flipped = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } }).rotate(180).raw().toBuffer();
          assert.ok(meanAbsDiff(got.windows[0]!, cut({ data: flipped, width: frame.width }, xs[0]!, ys[0]!)) > 20);
        });
      }
    }
  }

  it("gives a 4:3 photo exactly the single input prepareModelInput gives", async () => {
    const bytes = await sharp(await card(2000, 1500)).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    const [single, windows] = [await prepareModelInput(bytes), await prepareModelWindows(bytes)];
    assert.equal(windows.windows.length, 1);
    assert.deepEqual(windows.windows[0], single.rgb);
    assert.equal(windows.rotatedToLandscape, single.rotatedToLandscape);
  });
});
