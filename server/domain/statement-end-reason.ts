// Why an agent ends a survey without the driver's signed statement
// (statement-end-rule.ts): the reason as the server accepts it. Only zod here:
// the signalling protocol reads it too.
import { z } from "zod";
import { endWithoutStatementReasons } from "./statement-end-reasons";

export { endWithoutStatementReasons };

/** Why the agent ends without a signed statement; "other" must say what. */
export const endWithoutStatementSchema = z
  .object({
    reason: z.enum(endWithoutStatementReasons),
    note: z.string().trim().max(500).optional(),
  })
  .refine((r) => r.reason !== "other" || (r.note?.length ?? 0) >= 2, { path: ["note"], message: "error.field.required" });
export type EndWithoutStatement = z.infer<typeof endWithoutStatementSchema>;

