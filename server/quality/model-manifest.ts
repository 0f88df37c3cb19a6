// Schema of models/quality/thresholds.json: the decision thresholds and output order that
// belong to one exact model file (bound by its SHA-256). Training writes it, the server reads it.
import { z } from "zod";

import { DEFECT_CODES, type DefectCode } from "./defect-codes";

export { DEFECT_CODES, type DefectCode };
export const DefectCodeSchema = z.enum(DEFECT_CODES);

export const MODEL_OUTPUTS = [...DEFECT_CODES, "overall"] as const;
export const ModelOutputSchema = z.enum(MODEL_OUTPUTS);
export type ModelOutput = z.infer<typeof ModelOutputSchema>;

const Probability = z.number().min(0).max(1);

export const ModelManifestSchema = z.object({
  model: z.string().regex(/^[\w.-]+\.onnx$/),
  modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({
    name: z.string().min(1),
    layout: z.literal("NHWC uint8 sRGB"),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  }),
  outputs: z.tuple(MODEL_OUTPUTS.map((o) => z.literal(o)) as unknown as [z.ZodLiteral<"motion_blur">, ...z.ZodLiteral<ModelOutput>[]]),
  thresholds: z.record(ModelOutputSchema, Probability),
  severity: z.record(z.string(), z.record(z.string(), z.number())),
  training: z.record(z.string(), z.unknown()),
});
export type ModelManifest = z.infer<typeof ModelManifestSchema>;
