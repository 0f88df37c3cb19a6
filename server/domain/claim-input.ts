// What it takes to open a claim and its survey: shared by the console (tRPC)
// and the claims-system API (REST), so both validate identically.
import { z } from "zod";

export const claimType = z.enum(["motor_collision", "motor_theft", "motor_glass", "motor_other", "property"]);

// E.164, or a mainland-China mobile number written without the country code.
const mobile = z
  .string()
  .trim()
  .regex(/^(\+[1-9]\d{6,14}|1[3-9]\d{9})$/, "must be a mobile number in E.164 form (+8613800138000) or 11 digits (13800138000)");

export const claimInput = z.object({
  policyNumber: z.string().trim().min(3).max(64),
  plate: z.string().trim().min(2).max(16),
  policyholderName: z.string().trim().min(1).max(100),
  policyholderMobile: mobile,
  incidentAt: z.coerce.date({ error: "must be an ISO 8601 date-time, e.g. 2026-11-21T08:00:00+08:00" }).refine((d) => d.getTime() <= Date.now() + 5 * 60_000, "cannot be in the future"),
  incidentPlace: z.string().trim().min(2).max(300),
  claimType,
  externalRef: z.string().trim().max(100).optional(),
  /** The policy period; evidence retention counts from its end (see server/evidence/retention.ts). */
  policyStart: z.coerce.date({ error: "must be an ISO 8601 date" }).optional(),
  policyEnd: z.coerce.date({ error: "must be an ISO 8601 date" }).optional(),
}).refine((c) => !c.policyStart || !c.policyEnd || c.policyStart < c.policyEnd, { message: "policyEnd must be after policyStart", path: ["policyEnd"] });
export type ClaimInput = z.infer<typeof claimInput>;

export const surveyRequestInput = z.object({
  claim: claimInput,
  locale: z.enum(["zh-CN", "en"]).default("zh-CN"),
  adjuster: z
    .object({ name: z.string().trim().min(1).max(100), mobile: mobile.optional() })
    .optional(),
  /** Send the invite links by SMS (through the configured sender). */
  sendSms: z.boolean().default(true),
});
export type SurveyRequestInput = z.infer<typeof surveyRequestInput>;
