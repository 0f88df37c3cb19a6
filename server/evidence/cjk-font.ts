// Chinese text in the report needs a CJK font embedded in the PDF (an auditor's
// viewer years from now may have none). Debian's fonts-noto-cjk ships Noto Sans
// CJK as TrueType Collections; we open one face of the collection by PostScript
// name and let pdf-lib embed only the glyphs used. Upstream fontkit is used
// because @pdf-lib/fontkit 1.1.1 writes broken subsets of CID-keyed CFF fonts.
import { readFileSync } from "node:fs";
import * as fontkit from "fontkit";
import type { PDFDocument, PDFFont } from "pdf-lib";
import { z } from "zod";

const NOTO_DIR = "/usr/share/fonts/opentype/noto";

export const reportFontsSchema = z.object({
  regular: z.object({ path: z.string(), postscriptName: z.string().optional() }),
  bold: z.object({ path: z.string(), postscriptName: z.string().optional() }),
  mono: z.object({ path: z.string(), postscriptName: z.string().optional() }),
});
export type ReportFonts = z.infer<typeof reportFontsSchema>;

export const DEFAULT_REPORT_FONTS: ReportFonts = {
  regular: { path: `${NOTO_DIR}/NotoSansCJK-Regular.ttc`, postscriptName: "NotoSansCJKsc-Regular" },
  bold: { path: `${NOTO_DIR}/NotoSansCJK-Bold.ttc`, postscriptName: "NotoSansCJKsc-Bold" },
  mono: { path: `${NOTO_DIR}/NotoSansCJK-Regular.ttc`, postscriptName: "NotoSansMonoCJKsc-Regular" },
};

/** The report's font file cannot be read: the package cannot be built until it is installed. */
export class ReportFontMissingError extends Error {
  constructor(readonly fontPath: string, cause: Error) {
    super(`report font ${fontPath} is missing (${cause.message}); install Debian's fonts-noto-cjk or configure reportFonts`, { cause });
    this.name = "ReportFontMissingError";
  }
}

const fileCache = new Map<string, Buffer>();
const EMPTY_FONT_BYTES = new Uint8Array(4);

function readFont(path: string): Buffer {
  let bytes = fileCache.get(path);
  if (!bytes) {
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new ReportFontMissingError(path, err as Error);
    }
    fileCache.set(path, bytes);
  }
  return bytes;
}

// Parsed faces are kept for the life of the process: parsing the CFF table
// of a CJK face is most of the cost of a report, and a server builds many.
const faceCache = new Map<string, fontkit.Font>();

// pdf-lib calls fontkit.create(bytes) without a face name and then
// subset.encodeStream(); upstream fontkit needs the name for collections and
// only offers subset.encode(). This adapter bridges both.
function loadFace(face: ReportFonts["regular"]): fontkit.Font {
  const key = `${face.path}#${face.postscriptName ?? ""}`;
  const cached = faceCache.get(key);
  if (cached) return cached;
  const font = (fontkit as unknown as { create(b: Buffer, name?: string): fontkit.Font }).create(readFont(face.path), face.postscriptName);
  if (!font || !("createSubset" in font)) throw new Error(`font face ${face.postscriptName ?? "(default)"} not found in ${face.path}`);
  // pdf-lib measures and encodes text through font.layout(), i.e. full
  // OpenType shaping, which costs about a millisecond per call on these
  // large CJK faces and dominated report time. The report needs no
  // ligatures or contextual forms, so map code points straight to glyphs.
  const glyphs = new Map<number, fontkit.Glyph>();
  const glyphFor = (cp: number) => {
    let g = glyphs.get(cp);
    if (!g) glyphs.set(cp, (g = font.glyphForCodePoint(cp)));
    return g;
  };
  (font as unknown as { layout: (text: string) => { glyphs: fontkit.Glyph[] } }).layout = (text: string) => ({
    glyphs: Array.from(text, (ch) => glyphFor(ch.codePointAt(0)!)),
  });
  const createSubset = font.createSubset.bind(font);
  (font as unknown as { createSubset: () => unknown }).createSubset = () => {
    const subset = createSubset() as unknown as { encode(): Uint8Array; encodeStream?: () => unknown };
    subset.encodeStream = () => {
      const bytes = subset.encode();
      return {
        on(event: string, cb: (chunk?: Uint8Array) => void) {
          if (event === "data") cb(bytes);
          if (event === "end") cb();
          return this;
        },
      };
    };
    return subset;
  };
  faceCache.set(key, font);
  return font;
}

export async function embedReportFont(doc: PDFDocument, face: ReportFonts["regular"]): Promise<PDFFont> {
  // registerFontkit is per document and read at embed time, so set it per face.
  doc.registerFontkit({ create: () => loadFace(face) } as never);
  // The bytes are only handed over for pdf-lib's type checks; the face comes from the cache.
  return doc.embedFont(EMPTY_FONT_BYTES, { subset: true });
}
