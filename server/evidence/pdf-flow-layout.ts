// pdf-lib draws at coordinates; a report needs text that wraps, tables that
// continue on the next page and nothing cut off. This is that minimal flow
// layout: a cursor moving down A4 pages.
import { type PDFDocument, type PDFFont, type PDFImage, type PDFPage, rgb } from "pdf-lib";

export interface FlowFonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

export interface Column {
  title: string;
  /** Share of the content width. */
  width: number;
  mono?: boolean;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const FOOTER = 28;
const GREY = rgb(0.42, 0.42, 0.42);
const RULE = rgb(0.8, 0.8, 0.8);
const BLACK = rgb(0, 0, 0);

export class PdfFlow {
  page!: PDFPage;
  y = 0;
  readonly width = A4[0] - 2 * MARGIN;
  readonly pages: PDFPage[] = [];

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: FlowFonts,
  ) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.pages.push(this.page);
    this.y = A4[1] - MARGIN;
  }

  private get bottom(): number {
    return MARGIN + FOOTER;
  }

  ensure(height: number): void {
    if (this.y - height < this.bottom) this.newPage();
  }

  gap(h: number): void {
    this.y -= h;
  }

  heading(text: string, size = 14): void {
    this.ensure(size * 3);
    this.y -= size * 0.6;
    this.drawLine(text, MARGIN, size, this.fonts.bold, BLACK);
    this.y -= size * 0.5;
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.5, color: RULE });
    this.y -= size * 0.6;
  }

  paragraph(text: string, options: { size?: number; font?: PDFFont; grey?: boolean; indent?: number } = {}): void {
    const size = options.size ?? 9;
    const font = options.font ?? this.fonts.regular;
    const indent = options.indent ?? 0;
    for (const line of wrap(text, font, size, this.width - indent)) {
      this.ensure(size * 1.45);
      this.drawLine(line, MARGIN + indent, size, font, options.grey ? GREY : BLACK);
    }
  }

  /** Label/value pairs in two columns; values wrap. */
  keyValues(rows: [string, string, "mono"?][], labelShare = 0.3): void {
    this.table(
      [
        { title: "", width: labelShare },
        { title: "", width: 1 - labelShare },
      ],
      rows.map(([k, v]) => [k, v]),
      { size: 9, header: false, monoColumn: rows.some((r) => r[2]) ? rows.map((r) => r[2] === "mono") : undefined },
    );
  }

  table(columns: Column[], rows: string[][], options: { size?: number; header?: boolean; monoColumn?: boolean[] } = {}): void {
    const size = options.size ?? 8;
    const lh = size * 1.4;
    const pad = 3;
    const widths = columns.map((c) => c.width * this.width);
    const drawHeader = () => {
      if (options.header === false) return;
      this.ensure(lh * 2);
      let x = MARGIN;
      columns.forEach((c, i) => {
        this.page.drawText(fit(c.title, this.fonts.bold, size, widths[i]! - pad), { x, y: this.y - size, size, font: this.fonts.bold });
        x += widths[i]!;
      });
      this.y -= lh;
      this.rule();
    };
    drawHeader();
    rows.forEach((row, r) => {
      const cellLines = row.map((cell, i) => {
        const mono = columns[i]!.mono || (i === 1 && options.monoColumn?.[r]);
        const font = mono ? this.fonts.mono : i === 0 && options.header === false ? this.fonts.bold : this.fonts.regular;
        return { font, lines: wrap(cell, font, size, widths[i]! - pad * 2) };
      });
      let offset = 0;
      const total = Math.max(1, ...cellLines.map((c) => c.lines.length));
      while (offset < total) {
        let fits = Math.floor((this.y - this.bottom - pad) / lh);
        if (fits < 1) {
          this.newPage();
          drawHeader();
          fits = Math.floor((this.y - this.bottom - pad) / lh);
        }
        const take = Math.min(fits, total - offset);
        let x = MARGIN;
        cellLines.forEach((cell, i) => {
          cell.lines.slice(offset, offset + take).forEach((line, k) => {
            this.page.drawText(line, { x: x + pad, y: this.y - pad - size - k * lh, size, font: cell.font });
          });
          x += widths[i]!;
        });
        this.y -= take * lh + pad * 2;
        offset += take;
      }
      this.rule();
    });
    this.y -= 4;
  }

  /** An image on the left with label/value rows beside it, kept together on one page. */
  figure(image: PDFImage | null, placeholder: string, boxWidth: number, rows: [string, string][]): void {
    const size = 8;
    const lh = size * 1.4;
    const textX = MARGIN + boxWidth + 12;
    const textWidth = this.width - boxWidth - 12;
    const labelWidth = textWidth * 0.32;
    const wrapped = rows.map(([k, v]) => ({ k, lines: wrap(v, this.fonts.regular, size, textWidth - labelWidth - 4) }));
    const textHeight = wrapped.reduce((s, r) => s + r.lines.length * lh, 0);
    const imageHeight = image ? (image.height / image.width) * boxWidth : boxWidth * 0.5;
    const height = Math.max(textHeight, imageHeight) + 10;
    this.ensure(height);
    const top = this.y;
    if (image) {
      this.page.drawImage(image, { x: MARGIN, y: top - imageHeight, width: boxWidth, height: imageHeight });
    } else {
      this.page.drawRectangle({ x: MARGIN, y: top - imageHeight, width: boxWidth, height: imageHeight, borderColor: RULE, borderWidth: 0.5 });
      this.page.drawText(fit(placeholder, this.fonts.regular, 7, boxWidth - 6), { x: MARGIN + 3, y: top - imageHeight / 2, size: 7, font: this.fonts.regular, color: GREY });
    }
    let y = top;
    for (const r of wrapped) {
      this.page.drawText(fit(r.k, this.fonts.bold, size, labelWidth - 4), { x: textX, y: y - size, size, font: this.fonts.bold });
      r.lines.forEach((line, k) => this.page.drawText(line, { x: textX + labelWidth, y: y - size - k * lh, size, font: this.fonts.regular }));
      y -= r.lines.length * lh;
    }
    this.y = top - height;
    this.rule();
    this.y -= 6;
  }

  /** Footer on every page; called once all content is laid out. */
  footer(text: (n: number, total: number) => string, left: string): void {
    this.pages.forEach((page, i) => {
      const size = 7;
      page.drawText(fit(left, this.fonts.regular, size, this.width * 0.7), { x: MARGIN, y: MARGIN / 2, size, font: this.fonts.regular, color: GREY });
      const label = text(i + 1, this.pages.length);
      const w = this.fonts.regular.widthOfTextAtSize(label, size);
      page.drawText(label, { x: MARGIN + this.width - w, y: MARGIN / 2, size, font: this.fonts.regular, color: GREY });
    });
  }

  private rule(): void {
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.3, color: RULE });
  }

  private drawLine(text: string, x: number, size: number, font: PDFFont, color: ReturnType<typeof rgb>): void {
    this.page.drawText(text, { x, y: this.y - size, size, font, color });
    this.y -= size * 1.45;
  }
}

/** Greedy line breaking: at spaces, or anywhere inside CJK text, or mid-word if a word is too long. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of clean(text).split("\n")) {
    // CJK ideographs, kana and fullwidth forms may break anywhere; other scripts break at spaces.
    const tokens = paragraph.match(/\s+|[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF\u3000-\u303F]|[^\s\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF\u3000-\u303F]+/gu) ?? [""];
    let line = "";
    const measure = (s: string) => font.widthOfTextAtSize(s, size);
    for (const token of tokens) {
      if (measure(line + token) <= width) {
        line += token;
        continue;
      }
      if (/^\s+$/.test(token)) {
        out.push(line);
        line = "";
        continue;
      }
      if (line.trim()) out.push(line.trimEnd());
      line = "";
      if (measure(token) <= width) {
        line = token;
        continue;
      }
      // A single token wider than the column (a hash, a URL): split by character.
      for (const ch of token) {
        if (measure(line + ch) > width && line) {
          out.push(line);
          line = "";
        }
        line += ch;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}

function fit(text: string, font: PDFFont, size: number, width: number): string {
  const t = clean(text).replace(/\n/g, " ");
  if (font.widthOfTextAtSize(t, size) <= width) return t;
  let s = t;
  while (s && font.widthOfTextAtSize(`${s}…`, size) > width) s = s.slice(0, -1);
  return `${s}…`;
}

// Control characters (other than newline) have no glyphs and would be drawn as boxes.
function clean(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").replace(/[\u0000-\u0009\u000B-\u001F\u007F]/g, "\uFFFD");
}
