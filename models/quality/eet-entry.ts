// Reads one entry of an EET archive (the Enlightenment Foundation Libraries' container, of
// which Edje's .edj files are one use). enlightenment-data ships its photographic desktop
// backgrounds as .edj files whose images are plain JPEGs stored uncompressed, one per screen
// size; the photograph is the largest of them. Only what that needs is read: the v2 header
// (magic, entry count, dictionary size) and the directory of six big-endian 32-bit integers
// per entry (data offset, stored size, data size, name offset, name length with its NUL,
// flags). A compressed, ciphered or aliased entry is refused rather than guessed at.
import { readFileSync } from "node:fs";

const EET_MAGIC_FILE = 0x1ee7ff00;
const EET_MAGIC_FILE2 = 0x1ee70f42;
const HEADER_BYTES = 12;
const ENTRY_BYTES = 24;

export class EetFormatError extends Error {}

export interface EetEntry {
  name: string;
  /** The stored bytes; null for an entry that is compressed, ciphered or an alias (not read). */
  bytes: Buffer | null;
}

export function eetEntries(file: string): EetEntry[] {
  const b = readFileSync(file);
  if (b.length < HEADER_BYTES) throw new EetFormatError(`${file}: too short for an EET archive`);
  const magic = b.readUInt32BE(0);
  if (magic !== EET_MAGIC_FILE2 && magic !== EET_MAGIC_FILE) throw new EetFormatError(`${file}: not an EET archive (magic ${magic.toString(16)})`);
  const count = b.readUInt32BE(4);
  if (HEADER_BYTES + count * ENTRY_BYTES > b.length) throw new EetFormatError(`${file}: directory runs past the end`);
  const entries: EetEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_BYTES + i * ENTRY_BYTES;
    const [offset, size, dataSize, nameOffset, nameLength, flags] = [0, 4, 8, 12, 16, 20].map((k) => b.readUInt32BE(at + k)) as [number, number, number, number, number, number];
    if (nameOffset + nameLength > b.length || offset + size > b.length) throw new EetFormatError(`${file}: entry ${i} runs past the end`);
    const name = b.subarray(nameOffset, nameOffset + Math.max(0, nameLength - 1)).toString("utf8");
    // Bit 0 compressed, bit 1 ciphered, bit 2 alias: none of them is a plain copy of the data.
    const plain = (flags & 0x7) === 0 && size === dataSize;
    entries.push({ name, bytes: plain ? b.subarray(offset, offset + size) : null });
  }
  return entries;
}

/** The bytes of the named entry; throws if it is missing or not stored as a plain copy. */
export function eetEntry(file: string, name: string): Buffer {
  const entry = eetEntries(file).find((e) => e.name === name);
  if (!entry) throw new EetFormatError(`${file} has no entry ${name}`);
  if (!entry.bytes) throw new EetFormatError(`${file}: entry ${name} is compressed, ciphered or an alias`);
  return entry.bytes;
}
