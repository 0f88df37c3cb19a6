import { z } from "zod";
import { chatHistory } from "../../domain/chat";
import { DomainError } from "../../domain/errors";
import { router, staffProcedure } from "../trpc";

export const chatRouter = router({
  history: staffProcedure("agent", "admin")
    .input(z.object({ surveyId: z.string().min(1).max(64) }))
    .query(async ({ ctx, input }) => {
      const s = await ctx.app.db.survey.findUnique({ where: { id: input.surveyId }, select: { agentId: true } });
      if (!s) throw new DomainError("NOT_FOUND", "No such survey.");
      if (ctx.user.role !== "admin" && s.agentId && s.agentId !== ctx.user.id) throw new DomainError("FORBIDDEN", "This survey is assigned to another agent.");
      return chatHistory(ctx.app.db, input.surveyId);
    }),
});
