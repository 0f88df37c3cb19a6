// Admins edit the capture checklist of each claim type.
import { z } from "zod";
import { claimType } from "../../domain/claim-input";
import { checklistFor, checklistItems, defaultChecklist, saveChecklist } from "../../domain/checklists";
import { router, staffProcedure } from "../trpc";

export const checklistsRouter = router({
  get: staffProcedure("admin", "agent")
    .input(z.object({ claimType }))
    .query(async ({ ctx, input }) => ({ claimType: input.claimType, items: await checklistFor(ctx.app.db, input.claimType), defaults: defaultChecklist(input.claimType) })),
  save: staffProcedure("admin")
    .input(z.object({ claimType, items: checklistItems }))
    .mutation(async ({ ctx, input }) => {
      await saveChecklist(ctx.app.db, input.claimType, input.items, ctx.user.id);
      return { ok: true };
    }),
});
