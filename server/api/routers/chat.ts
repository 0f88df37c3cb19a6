import { chatHistory } from "../../domain/chat";
import { router, staffSurveyProcedure } from "../trpc";

export const chatRouter = router({
  history: staffSurveyProcedure("chat.read").query(async ({ ctx }) => chatHistory(ctx.app.db, ctx.survey.id)),
});
