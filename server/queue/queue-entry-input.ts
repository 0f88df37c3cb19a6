// What the insurer's app sends to put a driver in the queue (REST) — validated like
// every claim input (safeText, message keys of app/_i18n/messages.ts).
import { z } from "zod";
import { claimType, mobile } from "../domain/claim-input";
import { safeText } from "../domain/safe-input";

export const queueEntryInput = z
  .object(
    {
      /** The queue's name, as the insurer publishes it. */
      queue: safeText({ min: 1, max: 64 }),
      policyNumber: safeText({ min: 3, max: 64 }).optional(),
      plate: safeText({ min: 2, max: 16 }).optional(),
      claimType,
      policyholderMobile: mobile,
      policyholderName: safeText({ min: 1, max: 100 }).optional(),
      language: z.enum(["zh-CN", "en"], { error: "error.field.choice" }).default("zh-CN"),
      region: safeText({ min: 1, max: 32 }).optional(),
      vip: z.boolean({ error: "error.field.type" }).default(false),
      /** A designated agent, by e-mail. */
      preferredAgentEmail: safeText({ max: 200 }).pipe(z.email("error.field.email")).optional(),
      externalRef: safeText({ max: 100 }).optional(),
    },
    { error: "error.field.type" },
  )
  // `when`: checked even when other fields are wrong, so one answer names every problem.
  .refine((b) => b?.policyNumber !== undefined || b?.plate !== undefined, {
    message: "error.field.policyOrPlate",
    path: ["policyNumber"],
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  });
export type QueueEntryInput = z.infer<typeof queueEntryInput>;

/**
 * What the driver's own start form sends (app/report/): the same fields and rules
 * as the insurer's app, without what only the insurer may say (VIP, a designated
 * agent, its own reference).
 */
export const driverReportInput = z
  .object(
    {
      queue: safeText({ min: 1, max: 64 }),
      policyNumber: safeText({ min: 3, max: 64 }).optional(),
      plate: safeText({ min: 2, max: 16 }).optional(),
      claimType,
      policyholderMobile: mobile,
      language: z.enum(["zh-CN", "en"], { error: "error.field.choice" }).default("zh-CN"),
    },
    { error: "error.field.type" },
  )
  .refine((b) => b?.policyNumber !== undefined || b?.plate !== undefined, {
    message: "error.field.policyOrPlate",
    path: ["policyNumber"],
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  });
export type DriverReportInput = z.infer<typeof driverReportInput>;
