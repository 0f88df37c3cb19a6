// What it takes to open a claim and its survey: shared by the console (tRPC)
// and the claims-system API (REST), so both validate identically. Every text
// field goes through safeText (it ends up in the SMS and the evidence PDF);
// messages are keys of app/_i18n/messages.ts.
import { z } from "zod";
import { isoDateTime, safeText } from "./safe-input";
import { idNumberValid, normaliseIdNumber } from "../identity/id-number";

export const claimType = z.enum(["motor_collision", "motor_theft", "motor_glass", "motor_other", "property"], { error: "error.field.choice" });

// E.164, or a mainland-China mobile number written without the country code.
export const mobile = safeText({ min: 1, max: 20 }).pipe(z.string().regex(/^(\+[1-9]\d{6,14}|1[3-9]\d{9})$/, "error.field.mobile"));

export const claimInput = z
  .object({
    policyNumber: safeText({ min: 3, max: 64 }),
    plate: safeText({ min: 2, max: 16 }),
    policyholderName: safeText({ min: 1, max: 100 }),
    policyholderMobile: mobile,
    /** 18 characters with a valid GB 11643 check character; a final x is taken as X. */
    policyholderIdNumber: safeText({ min: 18, max: 18 }).transform(normaliseIdNumber).refine(idNumberValid, "error.field.idNumber").optional(),
    incidentAt: isoDateTime().refine((d) => d.getTime() <= Date.now() + 5 * 60_000, "error.field.future"),
    incidentPlace: safeText({ min: 2, max: 300 }),
    claimType,
    externalRef: safeText({ max: 100 }).optional(),
    /** The policy period; evidence retention counts from its end (see server/evidence/retention.ts). */
    policyStart: isoDateTime().optional(),
    policyEnd: isoDateTime().optional(),
  }, { error: "error.field.type" })
  .refine((c) => !c.policyStart || !c.policyEnd || c.policyStart < c.policyEnd, { message: "error.field.policyEnd", path: ["policyEnd"] });
export type ClaimInput = z.infer<typeof claimInput>;

export const surveyRequestInput = z.object({
  claim: claimInput,
  locale: z.enum(["zh-CN", "en"], { error: "error.field.choice" }).default("zh-CN"),
  adjuster: z
    .object({ name: safeText({ min: 1, max: 100 }), mobile: mobile.optional() }, { error: "error.field.type" })
    .optional(),
  /** Send the invite links by SMS (through the configured sender). */
  sendSms: z.boolean({ error: "error.field.type" }).default(true),
}, { error: "error.field.type" });
export type SurveyRequestInput = z.infer<typeof surveyRequestInput>;
