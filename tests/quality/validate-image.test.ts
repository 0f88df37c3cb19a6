// A corpus of hostile and broken uploads, each of which must be refused before decoding with
// a stable code, a 4xx status and a message in both languages; and good photos that must pass.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { crc32, deflateSync } from "node:zlib";
import sharp from "sharp";
import { ImageUploadError, type UploadErrorCode } from "../../server/uploads/upload-error";
import { UPLOAD_LIMITS, validateImage } from "../../server/uploads/validate-image";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");

async function photoJpeg(width = 800, height = 600, orientation?: number): Promise<Buffer> {
  let p = sharp({ create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 40 } } });
  if (orientation) p = p.withMetadata({ orientation });
  return p.jpeg({ quality: 85 }).toBuffer();
}

async function expectRefused(input: unknown, code: UploadErrorCode, status: number) {
  await assert.rejects(validateImage(input), (err: unknown) => {
    assert.ok(err instanceof ImageUploadError, `expected ImageUploadError, got ${String(err)}`);
    assert.equal(err.code, code, `detail: ${err.detail}`);
    assert.equal(err.httpStatus, status);
    assert.ok(err.httpStatus >= 400 && err.httpStatus < 500);
    assert.ok(err.userMessage["zh-CN"].length > 0 && /[\u4e00-\u9fff]/.test(err.userMessage["zh-CN"]));
    assert.ok(err.userMessage.en.length > 0);
    assert.deepEqual(JSON.parse(JSON.stringify(err)), { code, httpStatus: status, message: err.userMessage });
    return true;
  });
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose header declares width x height but whose data is a few bytes. */
function craftedPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** A little-endian TIFF/EXIF block from IFDs given as lists of [tag, type, count, value]. */
function exifSegment(tiff: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "binary"), tiff]);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

function withSegmentAfterSoi(jpeg: Buffer, segment: Buffer): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

/** IFD0 whose "next IFD" pointer points back at itself. */
function loopingExif(): Buffer {
  const t = Buffer.alloc(8 + 2 + 12 + 4);
  t.write("II", 0, "ascii");
  t.writeUInt16LE(42, 2);
  t.writeUInt32LE(8, 4);
  t.writeUInt16LE(1, 8);
  t.writeUInt16LE(0x010f, 10); // Make
  t.writeUInt16LE(2, 12); // ASCII
  t.writeUInt32LE(4, 14);
  t.write("abc\0", 18, "binary");
  t.writeUInt32LE(8, 22); // next IFD = IFD0 again
  return t;
}

/** A chain of Exif sub-IFD pointers, each IFD pointing to the next: deep nesting. */
function nestedExif(depth: number): Buffer {
  const ifdSize = 2 + 12 + 4;
  const t = Buffer.alloc(8 + depth * ifdSize);
  t.write("II", 0, "ascii");
  t.writeUInt16LE(42, 2);
  t.writeUInt32LE(8, 4);
  for (let i = 0; i < depth; i++) {
    const o = 8 + i * ifdSize;
    t.writeUInt16LE(1, o);
    t.writeUInt16LE(0x8769, o + 2); // ExifIFD pointer
    t.writeUInt16LE(4, o + 4);
    t.writeUInt32LE(1, o + 6);
    t.writeUInt32LE(i + 1 < depth ? o + ifdSize : 0, o + 10);
    t.writeUInt32LE(0, o + 14);
  }
  return t;
}

/** One IFD claiming `count` entries (a huge-EXIF attack within one 64 KiB segment). */
function hugeIfdExif(count: number): Buffer {
  const t = Buffer.alloc(8 + 2 + count * 12 + 4);
  t.write("II", 0, "ascii");
  t.writeUInt16LE(42, 2);
  t.writeUInt32LE(8, 4);
  t.writeUInt16LE(count, 8);
  for (let i = 0; i < count; i++) {
    const e = 10 + i * 12;
    t.writeUInt16LE(0x9000 + (i % 100), e);
    t.writeUInt16LE(3, e + 2);
    t.writeUInt32LE(1, e + 4);
  }
  return t;
}

describe("validateImage refuses bad uploads before decoding", () => {
  it("refuses non-byte input", async () => {
    await expectRefused("not bytes", "invalid_input", 400);
    await expectRefused(undefined, "invalid_input", 400);
  });

  it("refuses an empty file", async () => {
    await expectRefused(new Uint8Array(0), "empty_file", 400);
  });

  it("refuses a file over 25 MB", async () => {
    const big = Buffer.alloc(UPLOAD_LIMITS.maxBytes + 1);
    big.set([0xff, 0xd8, 0xff, 0xe0]);
    await expectRefused(big, "file_too_large", 413);
  });

  it("refuses text named .jpg and a PDF", async () => {
    await expectRefused(Buffer.from("IMG_0001.jpg\nThis is not a photo, it is a note.\n"), "not_an_image", 415);
    await expectRefused(Buffer.from("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"), "not_an_image", 415);
  });

  it("refuses GIF, TIFF and unknown binary data", async () => {
    await expectRefused(await sharp({ create: { width: 800, height: 600, channels: 3, background: "#888" } }).gif().toBuffer(), "unsupported_type", 415);
    await expectRefused(await sharp({ create: { width: 800, height: 600, channels: 3, background: "#888" } }).tiff().toBuffer(), "unsupported_type", 415);
    await expectRefused(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x00, 0xff, 0xfe, 0x00]), "unsupported_type", 415);
  });

  it("refuses a real HEIC photo with a hint to switch the camera to JPEG", async () => {
    const heic = readFileSync(path.join(FIXTURES, "uploads/seeding-96x64.heic"));
    // Prove the premise: this server's sharp reads the HEIC header but cannot decode HEVC.
    assert.equal((await sharp(heic).metadata()).format, "heif");
    await assert.rejects(sharp(heic).raw().toBuffer());
    await expectRefused(heic, "unsupported_heic", 415);
  });

  it("refuses 1x1 and tiny images", async () => {
    await expectRefused(await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } }).png().toBuffer(), "image_too_small", 422);
    await expectRefused(await photoJpeg(200, 150), "image_too_small", 422);
    await expectRefused(await photoJpeg(2000, 300), "image_too_small", 422);
  });

  it("refuses truncated JPEG and PNG files", async () => {
    const jpeg = await photoJpeg();
    await expectRefused(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), "truncated_image", 422);
    await expectRefused(jpeg.subarray(0, jpeg.length - 2), "truncated_image", 422);
    await expectRefused(jpeg.subarray(0, 300), "truncated_image", 422);
    const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: "#345" } }).png().toBuffer();
    await expectRefused(png.subarray(0, png.length - 20), "truncated_image", 422);
  });

  it("refuses a JPEG whose structure is garbage after the magic bytes", async () => {
    await expectRefused(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from("garbage garbage garbage garbage")]), "corrupt_image", 422);
  });

  it("refuses a header declaring more than 50 megapixels", async () => {
    await expectRefused(craftedPng(100_000, 100_000), "too_many_pixels", 413);
    await expectRefused(craftedPng(8000, 6500), "too_many_pixels", 413);
  });

  it("refuses a decompression bomb: a few KB declaring tens of megapixels", async () => {
    const bomb = craftedPng(7000, 7000);
    assert.ok(bomb.length < 4096, `crafted bomb is ${bomb.length} bytes`);
    await expectRefused(bomb, "decompression_bomb", 422);
  });

  it("refuses EXIF bombs: IFD loops, deep nesting, huge IFDs, piles of metadata segments", async () => {
    const jpeg = await photoJpeg();
    await expectRefused(withSegmentAfterSoi(jpeg, exifSegment(loopingExif())), "metadata_bomb", 422);
    await expectRefused(withSegmentAfterSoi(jpeg, exifSegment(nestedExif(30))), "metadata_bomb", 422);
    await expectRefused(withSegmentAfterSoi(jpeg, exifSegment(hugeIfdExif(5000))), "metadata_bomb", 422);
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x12]), Buffer.alloc(16, 0x41)]);
    await expectRefused(withSegmentAfterSoi(jpeg, Buffer.concat(Array.from({ length: 100 }, () => comment))), "metadata_bomb", 422);
  });
});

describe("validateImage accepts real photo files", () => {
  it("accepts a JPEG and reports its header", async () => {
    const v = await validateImage(await photoJpeg(800, 600));
    assert.deepEqual(v, { format: "jpeg", byteLength: v.byteLength, width: 800, height: 600, orientation: 1, orientedWidth: 800, orientedHeight: 600 });
  });

  it("applies EXIF orientation to the reported display size", async () => {
    const v = await validateImage(await photoJpeg(800, 600, 6));
    assert.equal(v.orientation, 6);
    assert.equal(v.orientedWidth, 600);
    assert.equal(v.orientedHeight, 800);
  });

  it("accepts data appended after the image (Samsung trailers, gain maps)", async () => {
    const jpeg = await photoJpeg();
    const v = await validateImage(Buffer.concat([jpeg, Buffer.from("SEFHtrailer-data-after-EOI")]));
    assert.equal(v.format, "jpeg");
  });

  it("accepts PNG and WebP, whatever the file is called", async () => {
    const base = sharp({ create: { width: 1024, height: 768, channels: 3, background: "#468", noise: { type: "gaussian", mean: 100, sigma: 30 } } });
    assert.equal((await validateImage(await base.clone().png().toBuffer())).format, "png");
    assert.equal((await validateImage(await base.clone().webp({ quality: 80 }).toBuffer())).format, "webp");
  });

  it("accepts a real 12-MP-class phone photo fixture with GPS EXIF", async () => {
    const bytes = readFileSync(path.join(FIXTURES, "photos/phone-exif-gps.jpg"));
    const v = await validateImage(bytes);
    assert.equal(v.format, "jpeg");
  });
});
