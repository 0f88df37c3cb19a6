import { authRouter } from "./routers/auth";
import { chatRouter } from "./routers/chat";
import { joinRouter } from "./routers/join";
import { outboxRouter } from "./routers/outbox";
import { surveysRouter } from "./routers/surveys";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  surveys: surveysRouter,
  join: joinRouter,
  chat: chatRouter,
  outbox: outboxRouter,
});

export type AppRouter = typeof appRouter;
