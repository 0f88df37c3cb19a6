// The order of the model's "scores" output is the gate's list of defects (one list for the
// server, the phone's hints and training); thresholds.json repeats it so the server can check
// a model file at load time instead of trusting an import.
import { DEFECT_CODES, type DefectCode } from "../../server/quality/defect-codes";

export const DEFECTS = DEFECT_CODES;
export type Defect = DefectCode;

export const OUTPUTS = [...DEFECTS, "overall"] as const;
export type Output = (typeof OUTPUTS)[number];

/** 1 = defect present, 0 = absent, null = not defined for this sample (excluded from loss and metrics). */
export type Labels = Record<Output, 0 | 1 | null>;
