// Walks a TIFF/EXIF block the way a metadata reader would, but with hard limits, so that an
// EXIF "bomb" (IFD loops, absurd entry counts, deep nesting, huge values) is refused before
// exifr or libvips spend time or memory on it.
export const EXIF_LIMITS = {
  maxBytes: 256 * 1024,
  maxIfds: 12,
  maxEntriesPerIfd: 512,
  maxDepth: 4,
} as const;

// Tags whose value is the offset of another IFD.
const SUB_IFD_TAGS = new Set([0x8769 /* Exif */, 0x8825 /* GPS */, 0xa005 /* Interop */, 0x014a /* SubIFDs */]);
const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

/** Returns null when the block is acceptable, otherwise a reason for the log. */
export function checkExifStructure(tiff: Uint8Array): string | null {
  if (tiff.length > EXIF_LIMITS.maxBytes) return `EXIF block of ${tiff.length} bytes exceeds ${EXIF_LIMITS.maxBytes}`;
  if (tiff.length < 8) return "EXIF block shorter than a TIFF header";
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  const be = tiff[0] === 0x4d && tiff[1] === 0x4d;
  if (!le && !be) return "EXIF block has no TIFF byte-order mark";
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const u16 = (o: number) => view.getUint16(o, le);
  const u32 = (o: number) => view.getUint32(o, le);
  if (u16(2) !== 42) return "EXIF block has a bad TIFF magic number";

  const visited = new Set<number>();
  const queue: { offset: number; depth: number }[] = [{ offset: u32(4), depth: 0 }];
  while (queue.length > 0) {
    const { offset, depth } = queue.shift()!;
    if (offset === 0) continue;
    if (visited.has(offset)) return `EXIF IFD at ${offset} is referenced twice (loop)`;
    visited.add(offset);
    if (visited.size > EXIF_LIMITS.maxIfds) return `more than ${EXIF_LIMITS.maxIfds} EXIF IFDs`;
    if (depth > EXIF_LIMITS.maxDepth) return `EXIF IFDs nested deeper than ${EXIF_LIMITS.maxDepth}`;
    if (offset + 2 > tiff.length) return `EXIF IFD offset ${offset} is outside the block`;
    const count = u16(offset);
    if (count > EXIF_LIMITS.maxEntriesPerIfd) return `EXIF IFD with ${count} entries`;
    const end = offset + 2 + count * 12;
    if (end + 4 > tiff.length) return `EXIF IFD at ${offset} runs past the block`;
    for (let i = 0; i < count; i++) {
      const e = offset + 2 + i * 12;
      const tag = u16(e), type = u16(e + 2), n = u32(e + 4);
      const size = (TYPE_SIZES[type] ?? 1) * n;
      if (size > 4 && u32(e + 8) + size > tiff.length) return `EXIF tag 0x${tag.toString(16)} points past the block`;
      if (SUB_IFD_TAGS.has(tag)) {
        if (n > 4) return `EXIF tag 0x${tag.toString(16)} lists ${n} sub-IFDs`;
        for (let k = 0; k < n; k++) queue.push({ offset: n === 1 ? u32(e + 8) : u32(u32(e + 8) + 4 * k), depth: depth + 1 });
      }
    }
    queue.push({ offset: u32(end), depth }); // next IFD in the chain (IFD1 = thumbnail)
  }
  return null;
}
