// Admins edit the capture checklist of each claim type.
import { z } from "zod";
import { claimType } from "../../domain/claim-input";
import { checklistFor, checklistItems, defaultChecklist, saveChecklist } from "../../domain/checklists";
import { checklistOverlays } from "../../domain/checklist-overlays";
import { allowedFor, router } from "../trpc";

// A path that matches the pattern but names no file would show the policyholder a broken image.
const itemsWithKnownOverlays = checklistItems.superRefine((items, ctx) => {
  items.forEach((it, i) => {
    if (it.overlay !== null && !checklistOverlays.includes(it.overlay)) ctx.addIssue({ code: "custom", path: [i, "overlay"], message: "no such overlay in public/guides" });
  });
});

export const checklistsRouter = router({
  get: allowedFor("checklists.read")
    .input(z.object({ claimType }))
    .query(async ({ ctx, input }) => ({
      claimType: input.claimType,
      items: await checklistFor(ctx.app.db, input.claimType),
      defaults: defaultChecklist(input.claimType),
      overlays: checklistOverlays,
    })),
  save: allowedFor("checklists.edit")
    .input(z.object({ claimType, items: itemsWithKnownOverlays }))
    .mutation(async ({ ctx, input }) => {
      await saveChecklist(ctx.app.db, input.claimType, input.items, ctx.user.id);
      return { ok: true };
    }),
});
