// Reads the container structure of JPEG, PNG and WebP files without decoding pixels:
// whether the file is complete, how much metadata it carries, and where its EXIF block is.
export interface ContainerReport {
  /** The image data is complete (JPEG EOI after the scan, PNG IEND, WebP RIFF length). */
  complete: boolean;
  /** Bytes of metadata segments/chunks (EXIF, XMP, ICC, text, ...). */
  metadataBytes: number;
  metadataSegments: number;
  /** The TIFF-structured EXIF block, if any. */
  exif: Uint8Array | null;
  /** Set when the structure itself is broken. */
  problem?: string;
}

export function inspectJpeg(b: Uint8Array): ContainerReport {
  const report: ContainerReport = { complete: false, metadataBytes: 0, metadataSegments: 0, exif: null };
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return { ...report, problem: `expected a marker at byte ${p}` };
    const marker = b[p + 1]!;
    if (marker === 0xff) { p++; continue; } // fill bytes
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { p += 2; continue; }
    if (marker === 0xd9) return { ...report, problem: "end of image before any scan" };
    if (marker < 0xc0) return { ...report, problem: `invalid marker 0x${marker.toString(16)} at byte ${p}` };
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    if (len < 2) return { ...report, problem: `segment length ${len} at byte ${p}` };
    const segEnd = p + 2 + len;
    if (segEnd > b.length) return report; // cut inside a header segment: incomplete
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      report.metadataBytes += len;
      report.metadataSegments++;
      const isExif = marker === 0xe1 && len >= 8 && String.fromCharCode(...b.subarray(p + 4, p + 10)) === "Exif\0\0";
      if (isExif && !report.exif) report.exif = b.subarray(p + 10, segEnd);
    }
    p = segEnd;
    if (marker === 0xda) {
      // Entropy-coded data cannot contain FF D9 (every FF is stuffed or starts a marker), so
      // the first FF D9 after the first scan ends the primary image; data appended after it
      // (Samsung trailers, Ultra HDR gain maps) is allowed.
      for (let i = b.indexOf(0xff, p); i !== -1 && i + 1 < b.length; i = b.indexOf(0xff, i + 1)) {
        if (b[i + 1] === 0xd9) return { ...report, complete: true };
      }
      return report;
    }
  }
  return report;
}

const PNG_ANCILLARY_METADATA = new Set(["eXIf", "tEXt", "zTXt", "iTXt", "iCCP"]);

export function inspectPng(b: Uint8Array): ContainerReport {
  const report: ContainerReport = { complete: false, metadataBytes: 0, metadataSegments: 0, exif: null };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 8;
  while (p + 12 <= b.length) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(...b.subarray(p + 4, p + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) return { ...report, problem: `bad chunk type at byte ${p}` };
    const end = p + 12 + len;
    if (end > b.length) return report;
    if (PNG_ANCILLARY_METADATA.has(type)) {
      report.metadataBytes += len;
      report.metadataSegments++;
      if (type === "eXIf" && !report.exif) report.exif = b.subarray(p + 8, p + 8 + len);
    }
    if (type === "IEND") return { ...report, complete: true };
    p = end;
  }
  return report;
}

export function inspectWebp(b: Uint8Array): ContainerReport {
  const report: ContainerReport = { complete: false, metadataBytes: 0, metadataSegments: 0, exif: null };
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const riffSize = view.getUint32(4, true);
  if (riffSize + 8 > b.length) return report;
  let p = 12;
  while (p + 8 <= riffSize + 8) {
    const type = String.fromCharCode(...b.subarray(p, p + 4));
    const len = view.getUint32(p + 4, true);
    const end = p + 8 + len + (len % 2);
    if (end > b.length) return report;
    if (type === "EXIF" || type === "XMP " || type === "ICCP") {
      report.metadataBytes += len;
      report.metadataSegments++;
      if (type === "EXIF" && !report.exif) {
        let exif = b.subarray(p + 8, p + 8 + len);
        if (String.fromCharCode(...exif.subarray(0, 6)) === "Exif\0\0") exif = exif.subarray(6);
        report.exif = exif;
      }
    }
    p = end;
  }
  return { ...report, complete: true };
}
