// The default SMS sender's outbox, readable by staff who send links: an agent
// sees the messages of the surveys they may read (their own and the unassigned
// queue), an admin all. The secret link in a message is shown masked to
// everyone: only its recipient ever sees it whole (the sender keeps the real
// body to deliver it).
import { z } from "zod";
import { maskInviteLinks } from "../../domain/mask-invite-link";
import { visibleSurveysWhere } from "../../domain/survey-access";
import { allowedFor, router } from "../trpc";

export const outboxRouter = router({
  list: allowedFor("outbox.list")
    .input(z.object({ surveyId: z.string().max(64).optional() }).optional())
    .query(async ({ ctx, input }) => {
      const visible = visibleSurveysWhere(ctx.principal);
      const everything = Object.keys(visible).length === 0;
      const surveyIds = everything ? null : (await ctx.app.db.survey.findMany({ where: visible, select: { id: true } })).map((s) => s.id);
      const rows = await ctx.app.db.outboxMessage.findMany({
        where: {
          ...(surveyIds ? { surveyId: { in: input?.surveyId ? surveyIds.filter((id) => id === input.surveyId) : surveyIds } } : {}),
          ...(everything && input?.surveyId ? { surveyId: input.surveyId } : {}),
        },
        orderBy: { createdAt: "desc" },
        take: 200,
      });
      return rows.map((r) => ({ id: r.id, channel: r.channel, to: r.to, surveyId: r.surveyId, createdAt: r.createdAt, body: maskInviteLinks(r.body) }));
    }),
});
