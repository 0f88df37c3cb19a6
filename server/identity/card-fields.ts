// From the text lines read on a card front to its fields: the name (after the
// label 姓名), the 18-character number (wherever a run of 17 digits and a
// digit or X stands), and where the portrait is. The portrait is found from
// the text: the start of the name and the two ends of the number fix the
// card's position, size and slant in the photo (an affine map from card
// units, card-layout.ts), and the layout's photo frame maps through it.
import { CARD_LAYOUT as L, lineMiddle } from "./card-layout";
import { normaliseIdNumber } from "./id-number";
import type { TextBox, TextLine } from "./read-text";

export interface Point {
  x: number;
  y: number;
}

export interface CardFields {
  name: string | null;
  idNumber: string | null;
  /** The portrait frame's corners in the photo (top-left, top-right, bottom-right, bottom-left), or null when the card was not found. */
  portrait: [Point, Point, Point, Point] | null;
}

const NAME_LABEL = /^姓\s*名\s*/;
const NUMBER_LABEL = /公民身份号码|身份号码|号码/;
const NUMBER_RUN = /[0-9]{17}[0-9X]/;

/** Digits and Latin letters are about half as wide as CJK characters: used to place a character within a box. */
function weight(ch: string): number {
  return /[\x20-\x7e]/.test(ch) ? 0.6 : 1;
}

/** The point on the box's middle line where character `index` of `text` starts (or, at text.length, where the text ends). */
function pointAt(box: TextBox, text: string, index: number): Point {
  const chars = [...text];
  const total = chars.reduce((s, c) => s + weight(c), 0) || 1;
  const before = chars.slice(0, index).reduce((s, c) => s + weight(c), 0);
  const t = before / total;
  const d = -box.halfLength + 2 * box.halfLength * t;
  return { x: box.cx + d * box.ux, y: box.cy + d * box.uy };
}

export function cardFields(lines: TextLine[]): CardFields {
  const clean = lines.map((l) => ({ ...l, text: l.text.replace(/\s+/g, "") }));
  let name: string | null = null;
  let nameStart: Point | null = null;
  const labelLine = clean.find((l) => NAME_LABEL.test(l.text));
  if (labelLine) {
    const after = labelLine.text.replace(NAME_LABEL, "");
    if (after.length > 0) {
      name = after;
      nameStart = pointAt(labelLine.box, labelLine.text, labelLine.text.length - after.length);
    } else {
      // The name stands in its own box to the right of the label, on the same line.
      // "Same line" along the label's own axis, so a card turned in the photo still pairs them.
      const { cx, cy, ux, uy } = labelLine.box;
      const along = (l: TextLine) => (l.box.cx - cx) * ux + (l.box.cy - cy) * uy;
      const across = (l: TextLine) => Math.abs(-(l.box.cx - cx) * uy + (l.box.cy - cy) * ux);
      const right = clean
        .filter((l) => l !== labelLine && along(l) > 0 && across(l) < Math.max(labelLine.box.halfHeight, l.box.halfHeight))
        .sort((a, b) => along(a) - along(b))[0];
      if (right) {
        name = right.text;
        nameStart = pointAt(right.box, right.text, 0);
      }
    }
  }
  if (name) name = name.replace(/[^\p{Script=Han}·]/gu, "") || null;

  let idNumber: string | null = null;
  let numberLine: TextLine | null = null;
  let numberStart: Point | null = null;
  let numberEnd: Point | null = null;
  // The number line, preferring one read with its label; a stray 18-digit run elsewhere comes second.
  const candidates = [...clean].sort((a, b) => Number(NUMBER_LABEL.test(b.text)) - Number(NUMBER_LABEL.test(a.text)));
  for (const l of candidates) {
    const text = normaliseIdNumber(l.text);
    const m = NUMBER_RUN.exec(text);
    if (!m) continue;
    idNumber = m[0];
    numberLine = l;
    numberStart = pointAt(l.box, text, m.index);
    numberEnd = pointAt(l.box, text, m.index + 18);
    break;
  }
  // The label itself misread (a blurred or dark photo): the name is the box after the label in the
  // card's top row, the row farthest above the number line along the card's own axis.
  if (!name && numberLine) {
    const byPosition = nameByPosition(clean, numberLine);
    if (byPosition) {
      name = byPosition.text.replace(/[^\p{Script=Han}·]/gu, "") || null;
      if (name) nameStart = pointAt(byPosition.box, byPosition.text, 0);
    }
  }
  return { name, idNumber, portrait: nameStart && numberStart && numberEnd ? portraitCorners(nameStart, numberStart, numberEnd) : null };
}

function nameByPosition(lines: TextLine[], numberLine: TextLine): TextLine | null {
  const { cx, cy, ux, uy } = numberLine.box;
  const down = (l: TextLine) => -(l.box.cx - cx) * uy + (l.box.cy - cy) * ux;
  const along = (l: TextLine) => (l.box.cx - cx) * ux + (l.box.cy - cy) * uy;
  const above = lines.filter((l) => l !== numberLine && down(l) < 0);
  if (above.length === 0) return null;
  const top = Math.min(...above.map(down));
  const row = above.filter((l) => down(l) - top < Math.max(l.box.halfHeight, 8) * 1.5).sort((a, b) => along(a) - along(b));
  // Only a short first box (the label, however misread) followed by the name.
  return row.length >= 2 && [...row[0]!.text].length <= 2 ? row[1]! : null;
}

/**
 * The affine map from card units taking the name's start, the number's start
 * and the number's end to where they were read, applied to the photo frame.
 * The number's right end is where its 18 characters stop: its card x is
 * estimated from the other two points' spacing, so no font metric is needed.
 */
function portraitCorners(nameStart: Point, numberStart: Point, numberEnd: Point): [Point, Point, Point, Point] {
  const nameCard = { x: L.valueX, y: lineMiddle(L.nameBaseline, L.nameSize) };
  const numCard = { x: L.numberX, y: lineMiddle(L.numberBaseline, L.numberSize) };
  // Scale and direction along the card from the number line; across from the card's right angle.
  const ax = numberEnd.x - numberStart.x;
  const ay = numberEnd.y - numberStart.y;
  const len = Math.hypot(ax, ay) || 1;
  const ux = { x: ax / len, y: ay / len };
  // Card units per photo pixel across the card: from the name's height above the number.
  const dy = { x: nameStart.x - numberStart.x, y: nameStart.y - numberStart.y };
  const across = -(dy.x * -ux.y + dy.y * ux.x); // distance along the card's "down" axis, photo px
  const scaleDown = across / (numCard.y - nameCard.y);
  // Along the card the scale is taken to be the same (a card seen at a small angle).
  const scaleAlong = scaleDown;
  const vx = { x: -ux.y, y: ux.x };
  const toPhoto = (p: Point): Point => {
    const du = (p.x - numCard.x) * scaleAlong;
    const dv = (p.y - numCard.y) * scaleDown;
    return { x: numberStart.x + du * ux.x + dv * vx.x, y: numberStart.y + du * ux.y + dv * vx.y };
  };
  const f = L.portrait;
  // A little margin: the estimate is only as good as the boxes' ends.
  const m = 12;
  return [
    toPhoto({ x: f.x - m, y: f.y - m }),
    toPhoto({ x: f.x + f.width + m, y: f.y - m }),
    toPhoto({ x: f.x + f.width + m, y: f.y + f.height + m }),
    toPhoto({ x: f.x - m, y: f.y + f.height + m }),
  ];
}
