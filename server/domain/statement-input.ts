// What the phone sends when the driver signs: the statement hash they read, the
// pad's PNG and the strokes with their timing. Bounded so a submission stays
// well under the tRPC body limit (2 MiB) and the database row stays small.
import { z } from "zod";
import { placeReportSchema } from "./place-report";

export const SIGNATURE_PNG_MAX_BYTES = 512 * 1024;
const MAX_POINTS = 20_000;

const point = z.object({
  x: z.number().finite().min(0).max(4096),
  y: z.number().finite().min(0).max(4096),
  /** Milliseconds since the pad was shown. */
  t: z.number().finite().min(0).max(3_600_000),
  pressure: z.number().finite().min(0).max(1).optional(),
});

export const strokeSchema = z.object({
  pointerType: z.enum(["touch", "pen", "mouse"]),
  points: z.array(point).min(1).max(5000),
});

export const signatureSubmissionSchema = z
  .object({
    locale: z.enum(["zh-CN", "en"]),
    statementSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256"),
    imagePngBase64: z
      .string()
      .min(1)
      .max(Math.ceil(SIGNATURE_PNG_MAX_BYTES / 3) * 4, "the signature image is too large")
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64"),
    /** The pad's size in CSS pixels, the strokes' coordinate space. */
    width: z.number().int().min(50).max(4096),
    height: z.number().int().min(50).max(4096),
    strokes: z.array(strokeSchema).min(1, "sign before sending").max(500),
    /** Where the phone was when the driver signed, or why that is unknown (place-report.ts). */
    place: placeReportSchema.optional(),
  })
  .refine((s) => s.strokes.reduce((n, st) => n + st.points.length, 0) <= MAX_POINTS, { path: ["strokes"], message: `at most ${MAX_POINTS} points` });

export type SignatureSubmission = z.infer<typeof signatureSubmissionSchema>;
