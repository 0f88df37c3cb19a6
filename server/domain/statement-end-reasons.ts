// The reasons an agent may give for ending a survey without the driver's
// signed statement. No zod here: the console's page reads this list, and zod
// in a page trips its Content-Security-Policy (zod probes eval).
export const endWithoutStatementReasons = ["driver_left", "driver_refused", "driver_unable", "other"] as const;
export type EndWithoutStatementReason = (typeof endWithoutStatementReasons)[number];
