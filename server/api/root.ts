import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { recordingsRouter } from "./routers/recordings";
import { capturesRouter } from "./routers/captures";
import { compositeRouter } from "./routers/composite";
import { checklistsRouter } from "./routers/checklists";
import { chatRouter } from "./routers/chat";
import { evidenceRouter } from "./routers/evidence";
import { joinRouter } from "./routers/join";
import { outboxRouter } from "./routers/outbox";
import { queueRouter } from "./routers/queue";
import { queueAdminRouter } from "./routers/queue-admin";
import { surveysRouter } from "./routers/surveys";
import { statementRouter } from "./routers/statement";
import { identityRouter } from "./routers/identity";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  surveys: surveysRouter,
  join: joinRouter,
  chat: chatRouter,
  outbox: outboxRouter,
  captures: capturesRouter,
  recordings: recordingsRouter,
  checklists: checklistsRouter,
  evidence: evidenceRouter,
  audit: auditRouter,
  composite: compositeRouter,
  queue: queueRouter,
  queueAdmin: queueAdminRouter,
  statement: statementRouter,
  identity: identityRouter,
});

export type AppRouter = typeof appRouter;
