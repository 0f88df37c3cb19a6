// EXIF read from a real phone photo (Xiaomi Mi A3, held out from training) and from files
// written with known values, including the cases the evidence must not get wrong.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { makeThumbnails } from "../../server/quality/make-thumbnails";
import { readPhotoMetadata } from "../../server/quality/read-photo-metadata";

const phone = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/phone-exif-gps.jpg"));

function base() {
  return sharp({ create: { width: 800, height: 600, channels: 3, background: "#6a8", noise: { type: "gaussian", mean: 120, sigma: 30 } } });
}

describe("readPhotoMetadata", () => {
  it("reads orientation, camera time, GPS and camera from a real phone photo", async () => {
    const m = await readPhotoMetadata(phone);
    assert.equal(m.orientation, 3);
    assert.equal(m.takenAt, "2020-01-24T23:11:53");
    assert.equal(m.takenAtHasOffset, false);
    assert.ok(m.gps);
    assert.ok(Math.abs(m.gps.latitude - -15.83567) < 1e-5, String(m.gps.latitude));
    assert.ok(Math.abs(m.gps.longitude - -48.015564) < 1e-5, String(m.gps.longitude));
    assert.equal(m.gps.accuracyM, null);
    assert.ok(m.gps.altitudeM !== null && Math.abs(m.gps.altitudeM - 1134.113) < 0.01);
    assert.deepEqual(m.camera, { make: "Xiaomi", model: "Mi A3" });
    assert.deepEqual(m.warnings, []);
  });

  it("keeps the recorded UTC offset and GPS accuracy when the phone wrote them", async () => {
    const bytes = await base()
      .withExif({
        IFD0: { Make: "TestPhone", Model: "T1" },
        IFD2: { DateTimeOriginal: "2024:05:06 07:08:09", OffsetTimeOriginal: "+08:00" },
        IFD3: {
          GPSLatitudeRef: "N", GPSLatitude: "31/1 14/1 2400/100",
          GPSLongitudeRef: "E", GPSLongitude: "121/1 28/1 3000/100",
          GPSHPositioningError: "65/10",
        },
      })
      .jpeg()
      .toBuffer();
    const m = await readPhotoMetadata(bytes);
    assert.equal(m.takenAt, "2024-05-06T07:08:09+08:00");
    assert.equal(m.takenAtHasOffset, true);
    assert.ok(m.gps);
    assert.ok(Math.abs(m.gps.latitude - (31 + 14 / 60 + 24 / 3600)) < 1e-6);
    assert.ok(Math.abs(m.gps.longitude - (121 + 28 / 60 + 30 / 3600)) < 1e-6);
    assert.equal(m.gps.accuracyM, 6.5);
  });

  it("reports nothing rather than inventing values when there is no EXIF", async () => {
    const m = await readPhotoMetadata(await base().png().toBuffer());
    assert.deepEqual(m, { orientation: 1, takenAt: null, takenAtHasOffset: false, gps: null, camera: { make: null, model: null }, warnings: [] });
  });

  it("drops an impossible GPS position with a warning", async () => {
    const bytes = await base().withExif({ IFD3: { GPSLatitudeRef: "N", GPSLatitude: "0/1 0/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "0/1 0/1 0/1" } }).jpeg().toBuffer();
    const m = await readPhotoMetadata(bytes);
    assert.equal(m.gps, null);
    assert.equal(m.warnings.length, 1);
  });
});

describe("makeThumbnails", () => {
  it("makes 320 and 1024 px oriented JPEGs without EXIF/GPS", async () => {
    const thumbs = await makeThumbnails(phone);
    assert.deepEqual(thumbs.map((t) => [t.size, t.width, t.height]), [[320, 320, 240], [1024, 800, 600]]);
    for (const t of thumbs) {
      const meta = await sharp(t.jpeg).metadata();
      assert.equal(meta.format, "jpeg");
      assert.equal(meta.exif, undefined, "thumbnails must not carry EXIF (GPS)");
      assert.equal(meta.orientation, undefined);
    }
    // Orientation 3 means the stored pixels are upside down: the thumbnail must be upright,
    // i.e. equal to the stored pixels turned 180 degrees.
    const stored = await sharp(phone).resize(320, 240).raw().toBuffer();
    const upright = await sharp(thumbs[0]!.jpeg).raw().toBuffer();
    const turned = await sharp(phone).rotate(180).resize(320, 240).raw().toBuffer();
    const diff = (a: Buffer, b: Buffer) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    assert.ok(diff(upright, turned) < diff(upright, stored) / 3, `${diff(upright, turned)} vs ${diff(upright, stored)}`);
  });

  it("turns portrait EXIF orientation into portrait thumbnails", async () => {
    const bytes = await base().withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const [t] = await makeThumbnails(bytes, [320]);
    assert.deepEqual([t!.width, t!.height], [240, 320]);
  });

  it("rejects nonsensical sizes", async () => {
    await assert.rejects(makeThumbnails(phone, []), RangeError);
    await assert.rejects(makeThumbnails(phone, [0]), RangeError);
    await assert.rejects(makeThumbnails(phone, [12.5]), RangeError);
  });
});
