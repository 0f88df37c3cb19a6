// The defects the quality model scores, in its output order. A plain list (no zod) so that
// the phone's live hints can use it: zod probes eval, which the pages' CSP refuses.
export const DEFECT_CODES = [
  "motion_blur",
  "defocus",
  "underexposure",
  "overexposure",
  "glare",
  "noise",
  "obstruction",
] as const;
export type DefectCode = (typeof DEFECT_CODES)[number];
