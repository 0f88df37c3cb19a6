// yazl computes each entry's CRC-32 with buffer-crc32, a byte-at-a-time
// JavaScript loop that made writing the .zip several times slower than
// hashing the same bytes. Node ≥ 20.15 has a native zlib.crc32; this points
// the buffer-crc32 instance yazl loaded at it. Guarded: applied only if both
// agree on a test vector, and only for the (Buffer, number) calls yazl makes.
import { createRequire } from "node:module";
import zlib from "node:zlib";

type Crc32Module = { unsigned: (buf: unknown, previous?: unknown) => number };

export function useNativeCrc32ForYazl(): boolean {
  const nativeCrc32 = (zlib as unknown as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  if (typeof nativeCrc32 !== "function") return false;
  try {
    const require = createRequire(import.meta.url);
    const fromYazl = createRequire(require.resolve("yazl"));
    const mod = fromYazl("buffer-crc32") as Crc32Module & { __native?: boolean };
    if (mod.__native) return true;
    const original = mod.unsigned;
    const sample = Buffer.from("The quick brown fox jumps over the lazy dog 中文");
    if (original(sample, 12345) !== nativeCrc32(sample, 12345) || original(sample) !== nativeCrc32(sample)) return false;
    mod.unsigned = (buf, previous) =>
      Buffer.isBuffer(buf) && (previous === undefined || typeof previous === "number") ? nativeCrc32(buf, previous ?? 0) : original(buf, previous);
    mod.__native = true;
    return true;
  } catch {
    return false;
  }
}
