// The order here is the order of the model's "scores" output; thresholds.json repeats it so
// the server can check it at load time instead of trusting an import.
export const DEFECTS = [
  "motion_blur",
  "defocus",
  "underexposure",
  "overexposure",
  "glare",
  "noise",
  "obstruction",
] as const;
export type Defect = (typeof DEFECTS)[number];

export const OUTPUTS = [...DEFECTS, "overall"] as const;
export type Output = (typeof OUTPUTS)[number];

/** 1 = defect present, 0 = absent, null = not defined for this sample (excluded from loss and metrics). */
export type Labels = Record<Output, 0 | 1 | null>;
