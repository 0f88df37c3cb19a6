// REST face of the video-reporting queue for the insurer's own app:
//   POST /api/v1/queue-entries      put a driver in a queue; get the entry, its place and the driver's link
//   GET  /api/v1/queue-entries/:id  poll the outcome: position and estimated wait, then answered (survey, agent) or abandoned
// Same conventions as surveys-v1.ts: Bearer API key, Idempotency-Key on POST,
// errors as 4xx naming the field in the caller's language.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../../app-context";
import { QueueError } from "../../queue/queue-errors";
import { queueEntryInput } from "../../queue/queue-entry-input";
import { inviteUrl } from "../../domain/invites";
import type { Locale } from "../../i18n/translate";
import { createOnce, handleRestRequest, notFound, RestProblem, sendJson } from "./rest-endpoint";

/** The same 400 whether the queue's name is unknown or the queue went away before the entry was made. */
function noSuchQueue(locale: Locale): RestProblem {
  return RestProblem.field(locale, "queue", "field.queue", "noQueue", "error.noQueue");
}

async function entryState(app: AppContext, id: string) {
  const status = await app.queue.entryStatus(id);
  const entry = await app.db.queueEntry.findUniqueOrThrow({ where: { id }, select: { assignedAgentId: true, surveyId: true } });
  const survey = entry.surveyId ? await app.db.survey.findUnique({ where: { id: entry.surveyId }, select: { agentId: true } }) : null;
  const queue = await app.db.queue.findUnique({ where: { id: status.queueId }, select: { name: true } });
  const person = (userId: string | null | undefined) => (userId ? app.db.user.findUnique({ where: { id: userId }, select: { email: true, name: true } }) : null);
  // `agent` is who has the survey now (a transfer passes it on); `answeredBy` who took the call from the queue.
  const agentId = survey?.agentId ?? entry.assignedAgentId;
  const [agent, answeredBy] = await Promise.all([person(agentId), person(entry.assignedAgentId)]);
  return { ...status, queue: queue?.name ?? null, agent, answeredBy };
}

export function handleQueueEntriesV1(app: AppContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  return handleRestRequest(
    app,
    req,
    res,
    pathname,
    async (r) => {
      if (pathname === "/api/v1/queue-entries" && req.method === "POST") {
        return createOnce(r, queueEntryInput, async (body) => {
          const queue = await app.db.queue.findUnique({ where: { name: body.queue } });
          if (!queue) throw noSuchQueue(r.locale);
          let preferredAgentId: string | null = null;
          if (body.preferredAgentEmail) {
            const agent = await app.db.user.findUnique({ where: { email: body.preferredAgentEmail.toLowerCase() } });
            if (!agent || agent.role !== "agent" || agent.disabled) throw RestProblem.field(r.locale, "preferredAgentEmail", "field.preferredAgentEmail", "noAgent", "error.noAgent");
            preferredAgentId = agent.id;
          }
          const entered = await app.queue.enter({
            queueId: queue.id,
            claimType: body.claimType,
            language: body.language,
            mobile: body.policyholderMobile,
            policyNumber: body.policyNumber ?? null,
            plate: body.plate ?? null,
            region: body.region ?? null,
            policyholderName: body.policyholderName ?? null,
            externalRef: body.externalRef ?? null,
            vip: body.vip,
            preferredAgentId,
          });
          const state = await entryState(app, entered.entryId);
          // The driver's link: it opens the call once an agent has answered (until then it says so).
          return { location: `/api/v1/queue-entries/${entered.entryId}`, body: { ...state, joinUrl: inviteUrl(app.env.PUBLIC_URL, entered.token) } };
        });
      }
      const m = /^\/api\/v1\/queue-entries\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
      if (m && req.method === "GET") return sendJson(res, 200, await entryState(app, m[1]!));
      throw notFound(r);
    },
    (err, r) => {
      if (err instanceof QueueError && err.code === "ENTRY_NOT_FOUND") return notFound(r);
      // The queue was removed between the look-up and the entry: the same answer as an unknown name.
      if (err instanceof QueueError && err.code === "QUEUE_NOT_FOUND") return noSuchQueue(r.locale);
      return null;
    },
  );
}
