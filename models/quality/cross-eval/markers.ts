// models/EVAL.md has two writers: evaluate.ts (in-distribution) and cross-evaluate.ts (second and
// third generators, one section per evaluated split). Each cross-generator section lives between
// its markers; each writer keeps the other's parts.
/** The splits of sources.json that cross-evaluate.ts judges, each in a section of its own. */
export const CROSS_SPLITS = ["test", "unseen-source", "candidate"] as const;
export type CrossSplit = (typeof CROSS_SPLITS)[number];

export function crossMarkers(split: CrossSplit): { start: string; end: string } {
  // The held-out split's markers keep the wording they had before there was a second section.
  if (split === "test") return { start: "<!-- cross-generator evaluation: written by models/quality/cross-evaluate.ts -->", end: "<!-- end of cross-generator evaluation -->" };
  return {
    start: `<!-- cross-generator evaluation (${split}): written by models/quality/cross-evaluate.ts --split=${split} -->`,
    end: `<!-- end of cross-generator evaluation (${split}) -->`,
  };
}

/** Every cross-generator section of an EVAL.md text, in file order ("" if none). */
export function crossSections(text: string): string {
  const found: { at: number; body: string }[] = [];
  for (const split of CROSS_SPLITS) {
    const { start, end } = crossMarkers(split);
    const i = text.indexOf(start), j = text.indexOf(end);
    if (i >= 0 && j > i) found.push({ at: i, body: text.slice(i, j + end.length) });
  }
  return found
    .sort((a, b) => a.at - b.at)
    .map((f) => `\n${f.body}\n`)
    .join("");
}
