// The default SMS sender's outbox, readable by staff who send links.
import { z } from "zod";
import { router, staffProcedure } from "../trpc";

export const outboxRouter = router({
  list: staffProcedure("agent", "admin")
    .input(z.object({ surveyId: z.string().max(64).optional() }).optional())
    .query(({ ctx, input }) =>
      ctx.app.db.outboxMessage.findMany({
        where: input?.surveyId ? { surveyId: input.surveyId } : {},
        orderBy: { createdAt: "desc" },
        take: 200,
      }),
    ),
});
