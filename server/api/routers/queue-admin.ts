// The queue's admin side: the supervisor wallboard, the export of the queue
// events it counts, and each queue's routing rules. The figures come from
// server/queue/wallboard.ts; the rules are validated by the very schema the
// routing engine reads them with (server/queue/queue-rules.ts).
import { z } from "zod";
import { TRPCError } from "@trpc/server";
import { isTimeZone } from "../../queue/day-window";
import { queueEventsCsv } from "../../queue/queue-events-csv";
import { parseQueueRules, queueRules } from "../../queue/queue-rules";
import { queueRuleNumberBounds } from "../../queue/queue-rules-bounds";
import { retimeOpenEntries } from "../../queue/rules-change-timers";
import { loadDayEvents, loadWallboard, wallboardQueues } from "../../queue/wallboard";
import { dayWindow } from "../../queue/day-window";
import { DomainError } from "../../domain/errors";
import { allowedFor, router } from "../trpc";

/** The supervisor's IANA time zone: "today" is their calendar day. */
const dayInput = z.object({ timeZone: z.string().min(1).max(64).refine(isTimeZone, { message: "error.field.invalid" }) });

// An overflow needs both its target and its delay; one without the other would never fire.
const editableRules = queueRules.superRefine((r, ctx) => {
  if (r.overflowQueueId !== null && r.overflowAfterSec === null) ctx.addIssue({ code: "custom", path: ["overflowAfterSec"], message: "error.field.required" });
  if (r.overflowQueueId === null && r.overflowAfterSec !== null) ctx.addIssue({ code: "custom", path: ["overflowQueueId"], message: "error.field.required" });
});

/**
 * The overflow target must be another existing queue: known only from the
 * database, so checked after the input's own schema, and refused as a field
 * error of the same shape (a parse, so the cause is a real ZodError).
 */
function checkOverflowTarget(queueId: string, rules: z.infer<typeof editableRules>, existing: ReadonlySet<string>) {
  const target = z.object({
    rules: z.object({
      overflowQueueId: z
        .string()
        .nullable()
        .refine((id) => id !== queueId, { message: "error.field.invalid" })
        .refine((id) => id === null || existing.has(id), { message: "error.field.choice" }),
    }),
  });
  const parsed = target.safeParse({ rules });
  if (!parsed.success) throw new TRPCError({ code: "BAD_REQUEST", message: "invalid overflow queue", cause: parsed.error });
}

const wallboardProcedure = allowedFor("queue.wallboard");
const rulesProcedure = allowedFor("queue.rules");

export const queueAdminRouter = router({
  /** Live now and today so far; the page polls it. */
  wallboard: wallboardProcedure.input(dayInput).query(({ ctx, input }) => loadWallboard(ctx.app.db, ctx.app.queue.now(), input.timeZone)),

  /** The very events today's figures are computed from, as CSV. */
  exportEvents: wallboardProcedure.input(dayInput).query(async ({ ctx, input }) => {
    const window = dayWindow(ctx.app.queue.now().getTime(), input.timeZone);
    const events = await loadDayEvents(ctx.app.db, window);
    return { day: window.day, timeZone: input.timeZone, filename: `queue-events-${window.day}.csv`, csv: queueEventsCsv(events) };
  }),

  /** Every queue with its rules as the engine reads them (defaults filled in). */
  queues: rulesProcedure.query(async ({ ctx }) => {
    const rows = await ctx.app.db.queue.findMany({ orderBy: { name: "asc" } });
    const labels = new Map((await wallboardQueues(ctx.app.db)).map((q) => [q.id, q.label]));
    return {
      queues: rows.map((q) => ({ id: q.id, name: q.name, label: labels.get(q.id) ?? {}, rules: parseQueueRules(q.rules), updatedAt: q.updatedAt })),
      /** Each number's allowed range, from the same schema, for the page's messages. */
      bounds: queueRuleNumberBounds,
    };
  }),

  saveRules: rulesProcedure.input(z.object({ queueId: z.string().min(1).max(64), rules: editableRules })).mutation(async ({ ctx, input }) => {
    const db = ctx.app.db;
    const queue = await db.queue.findUnique({ where: { id: input.queueId }, select: { id: true } });
    if (!queue) throw new DomainError("NOT_FOUND", "No such queue.");
    if (input.rules.overflowQueueId !== null) {
      const ids = await db.queue.findMany({ select: { id: true } });
      checkOverflowTarget(input.queueId, input.rules, new Set(ids.map((q) => q.id)));
    }
    const saved = await db.queue.update({ where: { id: input.queueId }, data: { rules: JSON.stringify(input.rules) } });
    const rules = parseQueueRules(saved.rules);
    // Drivers already waiting follow the new rules too; a relaxed rule may let someone be offered now.
    await retimeOpenEntries(db, saved.id, rules);
    await ctx.app.queue.dispatch();
    return { id: saved.id, rules, updatedAt: saved.updatedAt };
  }),
});
