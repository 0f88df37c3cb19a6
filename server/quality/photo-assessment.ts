// The assessment as it travels to the tRPC layer and the browser: zod schemas are the
// contract, TypeScript types are derived from them.
import { z } from "zod";
import { DefectCodeSchema, DEFECT_CODES } from "./model-manifest";

export const LocalisedTextSchema = z.object({ "zh-CN": z.string().min(1), en: z.string().min(1) });

export const ReasonCodeSchema = z.enum([...DEFECT_CODES, "low_quality"]);

export const QualityReasonSchema = z.object({
  code: ReasonCodeSchema,
  score: z.number().min(0).max(1),
  threshold: z.number().min(0).max(1),
  message: LocalisedTextSchema,
  hint: LocalisedTextSchema,
});
export type QualityReason = z.infer<typeof QualityReasonSchema>;

export const DefectScoresSchema = z.record(DefectCodeSchema, z.number().min(0).max(1));

export const PhotoAssessmentSchema = z.object({
  verdict: z.enum(["accepted", "rejected"]),
  /** Most severe first (score relative to its threshold). Empty when accepted. */
  reasons: z.array(QualityReasonSchema),
  scores: DefectScoresSchema,
  /** The model's overall "has a defect" probability. */
  overallScore: z.number().min(0).max(1),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** SHA-256 of the exact uploaded bytes that were assessed. */
  photoSha256: z.string().regex(/^[0-9a-f]{64}$/),
  image: z.object({
    format: z.enum(["jpeg", "png", "webp"]),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    orientation: z.number().int().min(1).max(8),
  }),
  timings: z.object({
    validateMs: z.number().nonnegative(),
    hashMs: z.number().nonnegative(),
    decodeMs: z.number().nonnegative(),
    inferenceMs: z.number().nonnegative(),
    totalMs: z.number().nonnegative(),
  }),
});
export type PhotoAssessment = z.infer<typeof PhotoAssessmentSchema>;
