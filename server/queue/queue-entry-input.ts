// What puts a driver in the queue, validated like every claim input (safeText,
// message keys of app/_i18n/messages.ts): from the insurer's app (REST) and
// from the driver's own start form (app/report/), which share the same fields
// and rules except what only the insurer may say.
import { z } from "zod";
import { claimType, mobile } from "../domain/claim-input";
import { safeText } from "../domain/safe-input";

/** Fields both entry paths carry. */
const driverFields = {
  /** The queue's name, as the insurer publishes it. */
  queue: safeText({ min: 1, max: 64 }),
  policyNumber: safeText({ min: 3, max: 64 }).optional(),
  plate: safeText({ min: 2, max: 16 }).optional(),
  claimType,
  policyholderMobile: mobile,
  language: z.enum(["zh-CN", "en"], { error: "error.field.choice" }).default("zh-CN"),
};

/** An object of `shape` that also needs the policy number or the plate. */
function withPolicyOrPlate<S extends z.ZodRawShape & { policyNumber: z.ZodType; plate: z.ZodType }>(shape: S) {
  return (
    z
      .object(shape, { error: "error.field.type" })
      // `when`: checked even when other fields are wrong, so one answer names every problem.
      .refine((b) => (b as { policyNumber?: unknown })?.policyNumber !== undefined || (b as { plate?: unknown })?.plate !== undefined, {
        message: "error.field.policyOrPlate",
        path: ["policyNumber"],
        when: (payload) => typeof payload.value === "object" && payload.value !== null,
      })
  );
}

/** The insurer's app (REST): also the VIP flag, a designated agent and its own reference. */
export const queueEntryInput = withPolicyOrPlate({
  ...driverFields,
  policyholderName: safeText({ min: 1, max: 100 }).optional(),
  region: safeText({ min: 1, max: 32 }).optional(),
  vip: z.boolean({ error: "error.field.type" }).default(false),
  /** A designated agent, by e-mail. */
  preferredAgentEmail: safeText({ max: 200 }).pipe(z.email("error.field.email")).optional(),
  externalRef: safeText({ max: 100 }).optional(),
});
export type QueueEntryInput = z.infer<typeof queueEntryInput>;

/** The 6 digits of the one-time code the driver got by SMS (server/queue/mobile-codes.ts). */
export const mobileCodeInput = z.string({ error: "error.field.required" }).regex(/^\d{6}$/, "error.field.mobileCode");

/** The driver's own start form: the shared fields and the code confirming the mobile number (the insurer's app vouches for its own drivers). */
export const driverReportInput = withPolicyOrPlate({ ...driverFields, mobileCode: mobileCodeInput });

/** The start form asks for a code for the number. */
export const mobileCodeRequestInput = z.object({ policyholderMobile: mobile, language: driverFields.language }, { error: "error.field.type" });
export type DriverReportInput = z.infer<typeof driverReportInput>;
