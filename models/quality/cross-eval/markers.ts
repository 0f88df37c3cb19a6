// models/EVAL.md has two writers: evaluate.ts (in-distribution) and cross-evaluate.ts (second
// generator). The cross-generator section lives between these markers; each keeps the other's part.
export const CROSS_MARKER_START = "<!-- cross-generator evaluation: written by models/quality/cross-evaluate.ts -->";
export const CROSS_MARKER_END = "<!-- end of cross-generator evaluation -->";
