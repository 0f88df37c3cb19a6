// Photos whose header is sound but whose pixel data is not: they pass the
// container checks and only fail when something decodes them.
import { deflateSync, crc32 } from "node:zlib";
import sharp from "sharp";

/** A 1024×768 PNG whose single IDAT chunk holds a broken zlib stream (with a valid chunk CRC). */
export async function pngWithCorruptDataChunk(): Promise<Buffer> {
  const width = 1024, height = 768;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width * 3; x++) raw[y * (width * 3 + 1) + 1 + x] = (x * 7 + y * 3) & 0xff;
  const good = deflateSync(raw);
  const broken = Buffer.from(good);
  // Keep the zlib header, garble the deflate blocks after it.
  for (let i = 2; i < Math.min(broken.length - 4, 4000); i++) broken[i] = (broken[i]! * 31 + 0x5a) & 0xff;
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", broken), chunk("IEND", Buffer.alloc(0))]);
}

/** A real 1600×1200 JPEG of noise (so it is large enough to pass the bomb ratio) whose frame header claims 8000×6000. */
export async function jpegClaiming8000x6000(): Promise<Buffer> {
  const width = 1600, height = 1200;
  const noise = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < noise.length; i++) noise[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  const jpeg = Buffer.from(await sharp(noise, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
  // Find the SOF0 marker and overwrite its height and width.
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2)) {
      jpeg.writeUInt16BE(6000, i + 5);
      jpeg.writeUInt16BE(8000, i + 7);
      return jpeg;
    }
  }
  throw new Error("no SOF marker in the generated JPEG");
}
