// Where things sit on the front of a second-generation resident identity card,
// in card units (the card is 85.6 × 54 mm, here 856 × 540): the name after
// its label at the top left, the number along the bottom, the photo on the
// right. The reader uses it to find the photo from the text it read; the
// generated test cards (tests/support/id-card-image.ts) are drawn with it.
export const CARD = { width: 856, height: 540 } as const;

export const CARD_LAYOUT = {
  labelX: 64,
  valueX: 160,
  /** Text baselines, top to bottom. */
  nameBaseline: 108,
  sexBaseline: 170,
  birthBaseline: 232,
  addressBaselines: [294, 340],
  numberBaseline: 478,
  numberX: 292,
  nameSize: 36,
  labelSize: 26,
  valueSize: 28,
  numberSize: 38,
  /** The portrait's frame. */
  portrait: { x: 590, y: 64, width: 220, height: 300 },
} as const;

/** The vertical middle of a line of text of this size on this baseline (CJK glyphs sit about 0.38 em above it). */
export function lineMiddle(baseline: number, size: number): number {
  return baseline - 0.38 * size;
}
