// The video-report queue for people: the driver's start form and waiting screen
// (app/report/), authorised by the entry's own token, and the agent's console
// (ready/away, the offer ringing, accept or decline), authorised as staff.
// The queue itself is server/queue/; this only checks who asks and shapes answers.
import { z } from "zod";
import type { Db } from "../../db/client";
import { DomainError } from "../../domain/errors";
import { maskMobile } from "../../domain/invites";
import { driverReportInput, mobileCodeRequestInput } from "../../queue/queue-entry-input";
import { currentSurveyOf } from "../../queue/survey-transfer";
import { waitingGuideFor } from "../../queue/waiting-guide";
import { allowedFor, publicProcedure, queueEntryProcedure, router, staffSurveyProcedure } from "../trpc";

const agentProcedure = allowedFor("queue.agent");
const transferProcedure = staffSurveyProcedure("survey.transfer");

/** A transfer goes to one named agent or one queue (a skill group), never both or neither. */
const transferInput = z
  .object({ toAgentId: z.string().min(1).max(64).optional(), toQueueId: z.string().min(1).max(64).optional() })
  .refine((t) => (t.toAgentId === undefined) !== (t.toQueueId === undefined), { message: "error.field.required", path: ["toAgentId"] });

/** Why a closed entry ended, from its stored "abandoned" event: left, callback, or dropped (the page went quiet). */
async function endReasonOf(db: Db, entryId: string): Promise<string | null> {
  const ev = await db.queueEvent.findFirst({ where: { entryId, type: "abandoned" }, orderBy: { at: "desc" }, select: { payload: true } });
  if (!ev) return null;
  try {
    const reason = (JSON.parse(ev.payload) as { reason?: unknown }).reason;
    return typeof reason === "string" ? reason : null;
  } catch {
    return null;
  }
}

export const queueRouter = router({
  /** The start form asks for a one-time code confirming the driver's mobile number (sent by SMS, rate-limited per number). */
  sendCode: publicProcedure.input(mobileCodeRequestInput).mutation(({ ctx, input }) => ctx.app.queue.mobileCodes.send(input.policyholderMobile, input.language)),

  /** The driver's start form: enters the named queue once the code confirms the number; the token is shown once and opens the waiting screen. */
  enter: publicProcedure.input(driverReportInput).mutation(async ({ ctx, input }) => {
    const queue = await ctx.app.db.queue.findUnique({ where: { name: input.queue }, select: { id: true } });
    if (!queue) throw new DomainError("NOT_FOUND", "There is no queue with this name.");
    await ctx.app.queue.mobileCodes.confirm(input.policyholderMobile, input.mobileCode);
    const entered = await ctx.app.queue.enter({
      queueId: queue.id,
      claimType: input.claimType,
      language: input.language,
      mobile: input.policyholderMobile,
      policyNumber: input.policyNumber ?? null,
      plate: input.plate ?? null,
      watched: true,
    });
    return { entryToken: entered.token };
  }),

  /** The waiting screen's poll: place, estimated wait, and once answered that the call is ready. Each poll says the page is alive. */
  status: queueEntryProcedure.query(async ({ ctx }) => {
    await ctx.app.queue.heartbeat(ctx.entry.id);
    const s = await ctx.app.queue.entryStatus(ctx.entry.id);
    return {
      status: s.status as "waiting" | "offered" | "answered" | "abandoned",
      mode: s.mode,
      position: s.position,
      estimatedWaitSec: s.estimatedWaitSec,
      callbackOffered: s.callbackOffered,
      endReason: s.status === "abandoned" ? await endReasonOf(ctx.app.db, ctx.entry.id) : null,
      mobile: maskMobile(ctx.entry.mobile),
      guide: s.status === "waiting" || s.status === "offered" ? await waitingGuideFor(ctx.app.db, ctx.entry.id) : null,
    };
  }),

  leave: queueEntryProcedure.mutation(async ({ ctx }) => {
    if (!(await ctx.app.queue.abandon(ctx.entry.id, "left"))) throw new DomainError("CONFLICT", "This entry is no longer waiting.");
    return { ok: true };
  }),

  /**
   * The driver stops waiting; the next free agent calls them back on the number they gave.
   * The callback entry's token comes back so the waiting page, if still open, watches it and joins the call.
   */
  callMeBack: queueEntryProcedure.mutation(async ({ ctx }) => {
    const { token } = await ctx.app.queue.requestCallback(ctx.entry.id);
    return { entryToken: token };
  }),

  /** The agent's queue state and the offer ringing for them, with the driver's facts and its deadline. */
  myOffer: agentProcedure.query(async ({ ctx }) => {
    const db = ctx.app.db;
    const serverNow = new Date();
    const agent = await db.queueAgent.findUnique({ where: { userId: ctx.user.id }, select: { state: true } });
    // Not a queue agent: the console shows no queue panel.
    if (!agent) return { state: null, offer: null, currentSurveyId: null, serverNow };
    const current = agent.state === "busy" ? await currentSurveyOf(db, ctx.user.id) : null;
    const offer = agent.state === "offered" ? await db.queueOffer.findFirst({ where: { agentId: ctx.user.id, status: "pending" }, orderBy: { offeredAt: "desc" } }) : null;
    const entry = offer ? await db.queueEntry.findUnique({ where: { id: offer.entryId } }) : null;
    const from = entry?.transferFromAgentId ? await db.user.findUnique({ where: { id: entry.transferFromAgentId }, select: { name: true } }) : null;
    return {
      state: agent.state as "ready" | "offered" | "busy" | "wrapup" | "away",
      currentSurveyId: current?.surveyId ?? null,
      serverNow,
      offer:
        offer && entry
          ? {
              offerId: offer.id,
              expiresAt: offer.expiresAt,
              driver: {
                claimType: entry.claimType,
                language: entry.language,
                region: entry.region,
                vip: entry.vip,
                mode: entry.mode,
                policyNumber: entry.policyNumber,
                plate: entry.plate,
                policyholderName: entry.policyholderName,
                mobile: maskMobile(entry.mobile),
                enteredAt: entry.enteredAt,
              },
              /** A running survey another agent passes on: who passes it (the facts above are its claim's). */
              transfer: entry.mode === "transfer" ? { fromAgentName: from?.name ?? "" } : null,
            }
          : null,
    };
  }),

  /**
   * Ready or away. A survey's end normally puts its agent into wrap-up by itself
   * (QueueService.surveyEnded, where the survey closes); if that was missed (the
   * server stopped as the survey closed), ready from "busy" with the survey closed
   * goes through wrap-up here, so the handling time is still counted. Away is
   * refused while an offer rings or a survey runs.
   */
  setMyState: agentProcedure.input(z.object({ state: z.enum(["ready", "away"]) })).mutation(async ({ ctx, input }) => {
    const { db, queue } = ctx.app;
    const agentId = ctx.user.id;
    if (input.state === "ready") {
      const agent = await db.queueAgent.findUnique({ where: { userId: agentId }, select: { state: true } });
      if (agent?.state === "busy") {
        const current = await currentSurveyOf(db, agentId);
        const survey = current?.surveyId ? await db.survey.findUnique({ where: { id: current.surveyId }, select: { status: true } }) : null;
        if (!current || survey?.status !== "closed") throw new DomainError("CONFLICT", "Finish the current survey first.");
        await queue.finishWork(agentId, current.queueId);
      }
      await queue.setReady(agentId);
    } else if (!(await queue.setAway(agentId))) {
      const agent = await db.queueAgent.findUnique({ where: { userId: agentId }, select: { state: true } });
      if (!agent) throw new DomainError("FORBIDDEN", "This agent serves no queue.");
      if (agent.state !== "away") throw new DomainError("CONFLICT", "Answer the offer or finish the survey first.");
    }
    const after = await db.queueAgent.findUniqueOrThrow({ where: { userId: agentId }, select: { state: true } });
    return { state: after.state };
  }),

  /** Accept: the driver's survey is made; the agent opens its call page (the driver's phone joins by itself). */
  accept: agentProcedure.input(z.object({ offerId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    const { surveyId } = await ctx.app.queue.accept(input.offerId, ctx.user.id);
    return { surveyId };
  }),

  decline: agentProcedure.input(z.object({ offerId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    await ctx.app.queue.decline(input.offerId, ctx.user.id);
    return { ok: true };
  }),

  /** Whom the survey's agent may pass it to: agents ready now (not themselves), and every queue as a group. */
  transferTargets: transferProcedure.query(async ({ ctx }) => {
    const db = ctx.app.db;
    const ready = await db.queueAgent.findMany({ where: { state: "ready", userId: { not: ctx.survey.agentId ?? "" } }, select: { userId: true } });
    const users = await db.user.findMany({ where: { id: { in: ready.map((a) => a.userId) } }, select: { id: true, name: true }, orderBy: { name: "asc" } });
    const queues = await db.queue.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true, label: true } });
    return {
      agents: users,
      queues: queues.map((q) => ({ id: q.id, name: q.name, label: JSON.parse(q.label) as Record<string, string> })),
    };
  }),

  /** The survey's agent passes it on; the call goes on meanwhile (server/queue/survey-transfer.ts). */
  transfer: transferProcedure.input(transferInput).mutation(async ({ ctx, input }) => {
    const target = input.toAgentId !== undefined ? { agentId: input.toAgentId } : { queueId: input.toQueueId! };
    const { entryId } = await ctx.app.queue.transfer(input.surveyId, target);
    return { entryId };
  }),

  /** Takes back a transfer nobody has accepted yet. */
  withdrawTransfer: transferProcedure.mutation(async ({ ctx, input }) => {
    if (!(await ctx.app.queue.withdrawTransfer(input.surveyId, ctx.survey.agentId ?? ""))) throw new DomainError("CONFLICT", "No transfer of this survey is under way.");
    return { ok: true };
  }),

  /**
   * Where the caller's own latest transfer of this survey stands: ringing, waiting
   * in a group, taken over (by whom), or returned (why). Asked by the agent who
   * passed it on, also after the hand-over, when the survey itself is no longer
   * theirs to read: it says nothing of the survey but its transfer's outcome.
   */
  transferStatus: agentProcedure.input(z.object({ surveyId: z.string().min(1).max(64) })).query(async ({ ctx, input }) => {
    return { transfer: await ctx.app.queue.transferStatus(input.surveyId, ctx.user.id) };
  }),
});
