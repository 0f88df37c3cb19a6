// models/EVAL.md has two writers: evaluate.ts (in-distribution) and cross-evaluate.ts (second and
// third generators, one section per evaluated split). Each cross-generator section lives between
// its markers; each writer keeps the other's parts.
export const CROSS_MARKER_START = "<!-- cross-generator evaluation: written by models/quality/cross-evaluate.ts -->";
export const CROSS_MARKER_END = "<!-- end of cross-generator evaluation -->";

export type CrossSplit = "test" | "unseen-source";

export function crossMarkers(split: CrossSplit): { start: string; end: string } {
  if (split === "test") return { start: CROSS_MARKER_START, end: CROSS_MARKER_END };
  return {
    start: `<!-- cross-generator evaluation (${split}): written by models/quality/cross-evaluate.ts --split=${split} -->`,
    end: `<!-- end of cross-generator evaluation (${split}) -->`,
  };
}

/** Every cross-generator section of an EVAL.md text, in file order ("" if none). */
export function crossSections(text: string): string {
  const found: { at: number; body: string }[] = [];
  for (const split of ["test", "unseen-source"] as const) {
    const { start, end } = crossMarkers(split);
    const i = text.indexOf(start), j = text.indexOf(end);
    if (i >= 0 && j > i) found.push({ at: i, body: text.slice(i, j + end.length) });
  }
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => `\n${f.body}\n`)
    .join("");
}
