// Passing a running survey on (issue 14 point 3), through the tRPC router and the
// queue service on both databases, with the service's clock driven: refusals
// with their codes; a named agent's offer declined and then lapsed, each time
// returning the survey to its agent; a transfer withdrawn; a transfer to a group
// served ahead of a waiting driver and accepted, after which the survey is the
// new agent's (who may read it) and no longer the old one's (who may not), the
// old agent is in wrap-up and the survey's end puts the new one into wrap-up.
// The timeline tells it all, and the wallboard's figures equal a recount from
// the exported events.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { DomainError } from "../../server/domain/errors";
import { closeSurvey } from "../../server/domain/surveys";
import { computeWallboard, type WallboardEvent } from "../../server/queue/wallboard-figures";
import type { QueueService } from "../../server/queue/queue-service";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { DrivenClock, driver, makeAgents, queueService } from "./queue-fixtures";

const log = pino({ level: "silent" });

/** The domain code a refused call carries to the page (which translates it). */
async function refusedWith(call: Promise<unknown>, code: string, trpcCode: string) {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof TRPCError, String(e));
    assert.equal(e.code, trpcCode);
    const cause = e.cause;
    if (code !== "(input)") assert.equal(cause instanceof DomainError ? cause.code : (cause as { code?: string })?.code, code);
    return true;
  });
}

for (const kind of databaseKinds) {
  describe(`survey transfer on ${kind}`, () => {
    let t: TestDatabase;
    let svc: QueueService;
    let app: AppContext;
    const clock = new DrivenClock();
    let roadside: string;
    let glass: string;
    let a1: string;
    let a2: string;
    let a3: string;

    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      svc = queueService(t.db, kind, clock);
      app = { env: { PUBLIC_URL: "http://localhost:3000", INVITE_TTL_HOURS: 24 }, db: t.db, log, queue: svc } as unknown as AppContext;
      roadside = (await svc.createQueue("roadside", { offerTimeoutSec: 15, wrapUpSec: 30, stickyDays: 0 })).id;
      glass = (await svc.createQueue("glass", { offerTimeoutSec: 15, stickyDays: 0 })).id;
      a1 = (await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } })).id;
      a2 = (await t.db.user.findUniqueOrThrow({ where: { email: "agent2@example.com" } })).id;
      await svc.upsertAgent({ userId: a1, queueIds: [roadside] });
      await svc.upsertAgent({ userId: a2, queueIds: [roadside] });
      [a3] = await makeAgents(t.db, svc, `glass-${kind}-`, 1, [glass]);
    });
    after(async () => t?.drop());

    async function callerFor(userId: string) {
      const user = await t.db.user.findUniqueOrThrow({ where: { id: userId } });
      const ctx = { app, user, sessionToken: undefined, inviteToken: undefined, locale: "en", setSessionCookie: () => undefined } as TrpcContext;
      return appRouter.createCaller(ctx);
    }
    const pendingOffer = (agentId: string) => t.db.queueOffer.findFirstOrThrow({ where: { agentId, status: "pending" } });
    const agentState = async (agentId: string) => (await t.db.queueAgent.findUniqueOrThrow({ where: { userId: agentId } })).state;

    test("refused, declined, lapsed, withdrawn, then passed to a group ahead of a driver and taken over", async () => {
      // Agent 1 answers a driver: the survey is theirs.
      await svc.enter(driver(roadside, { plate: "沪A·T0001" }));
      await svc.setReady(a1);
      const first = await pendingOffer(a1);
      const { surveyId } = await svc.accept(first.id, a1);
      const agent1 = await callerFor(a1);
      const agent2 = await callerFor(a2);
      const agent3 = await callerFor(a3);

      // Refusals, each with a code the console translates.
      await refusedWith(agent1.queue.transfer({ surveyId, toAgentId: a2 }), "TRANSFER_NOT_READY", "CONFLICT");
      await refusedWith(agent1.queue.transfer({ surveyId, toAgentId: a1 }), "TRANSFER_TARGET", "BAD_REQUEST");
      await refusedWith(agent1.queue.transfer({ surveyId, toQueueId: "no-such-queue" }), "TRANSFER_TARGET", "BAD_REQUEST");
      await refusedWith(agent1.queue.transfer({ surveyId, toAgentId: a2, toQueueId: glass }), "(input)", "BAD_REQUEST");
      await refusedWith(agent1.queue.transfer({ surveyId }), "(input)", "BAD_REQUEST");
      // Only the survey's agent (or an admin) passes it on.
      await refusedWith(agent2.queue.transfer({ surveyId, toAgentId: a1 }), "FORBIDDEN", "FORBIDDEN");

      // To agent 2, ready: the offer rings for them with the claim's facts; a second transfer waits for it.
      await svc.setReady(a2);
      const targets = await agent1.queue.transferTargets({ surveyId });
      assert.deepEqual(targets.agents.map((a) => a.id), [a2], "only agents ready now, not oneself");
      assert.deepEqual(targets.queues.map((q) => q.name), ["glass", "roadside"]);
      await agent1.queue.transfer({ surveyId, toAgentId: a2 });
      await refusedWith(agent1.queue.transfer({ surveyId, toQueueId: glass }), "TRANSFER_PENDING", "CONFLICT");
      const ringing = await agent2.queue.myOffer();
      assert.equal(ringing.state, "offered");
      assert.equal(ringing.offer?.driver.plate, "沪A·T0001");
      assert.equal(ringing.offer?.transfer?.fromAgentName, (await t.db.user.findUniqueOrThrow({ where: { id: a1 } })).name);
      assert.equal((await agent1.queue.transferStatus({ surveyId })).transfer?.status, "offered");

      // Declined: the survey stays with agent 1, who is told why; agent 2 is ready again.
      await agent2.queue.decline({ offerId: ringing.offer!.offerId });
      let status = (await agent1.queue.transferStatus({ surveyId })).transfer;
      assert.deepEqual([status?.status, status?.reason], ["returned", "declined"]);
      assert.equal((await t.db.survey.findUniqueOrThrow({ where: { id: surveyId } })).agentId, a1);
      assert.equal(await agentState(a2), "ready");
      assert.equal(await agentState(a1), "busy");

      // Again, unanswered: it lapses by the persistent timer, returns, and agent 2 is marked away.
      await agent1.queue.transfer({ surveyId, toAgentId: a2 });
      clock.advance(16);
      await svc.runDueTimers();
      status = (await agent1.queue.transferStatus({ surveyId })).transfer;
      assert.deepEqual([status?.status, status?.reason], ["returned", "timedout"]);
      assert.equal(await agentState(a2), "away");

      // To a group nobody serves right now (asked twice at once: one transfer), then taken back.
      const twice = await Promise.allSettled([agent1.queue.transfer({ surveyId, toQueueId: glass }), agent1.queue.transfer({ surveyId, toQueueId: glass })]);
      assert.deepEqual(twice.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
      assert.equal(await t.db.queueEntry.count({ where: { transferSurveyId: surveyId, status: "waiting" } }), 1);
      assert.equal((await agent1.queue.transferStatus({ surveyId })).transfer?.status, "waiting");
      await agent1.queue.withdrawTransfer({ surveyId });
      assert.equal((await agent1.queue.transferStatus({ surveyId })).transfer?.reason, "withdrawn");
      await refusedWith(agent1.queue.withdrawTransfer({ surveyId }), "CONFLICT", "CONFLICT");

      // A driver waits in the glass queue; the transfer joins it and is served first.
      clock.advance(5);
      const waitingDriver = await svc.enter(driver(glass, { plate: "沪A·T0002" }));
      clock.advance(5);
      await agent1.queue.transfer({ surveyId, toQueueId: glass });
      await svc.setReady(a3);
      const offer3 = await pendingOffer(a3);
      const transferEntry = await t.db.queueEntry.findUniqueOrThrow({ where: { id: offer3.entryId } });
      assert.equal(transferEntry.transferSurveyId, surveyId, "the transfer is offered before the driver who waited longer");
      assert.equal((await t.db.queueEntry.findUniqueOrThrow({ where: { id: waitingDriver.entryId } })).status, "waiting");
      clock.advance(3);
      const accepted = await agent3.queue.accept({ offerId: offer3.id });
      assert.equal(accepted.surveyId, surveyId, "accept opens the running survey, it makes none");

      // The survey is agent 3's now: they read it, agent 1 no longer does; agent 1 wraps up.
      assert.equal((await t.db.survey.findUniqueOrThrow({ where: { id: surveyId } })).agentId, a3);
      assert.ok((await agent3.surveys.timeline({ surveyId })).length > 0);
      await refusedWith(agent1.surveys.timeline({ surveyId }), "FORBIDDEN", "FORBIDDEN");
      assert.ok(!(await agent1.surveys.list({ status: "active" })).some((s) => s.id === surveyId), "gone from agent 1's list");
      assert.ok((await agent3.surveys.list({ status: "active" })).some((s) => s.id === surveyId), "in agent 3's list");
      assert.equal(await agentState(a1), "wrapup");
      assert.equal((await agent3.queue.myOffer()).currentSurveyId, surveyId);
      status = (await agent1.queue.transferStatus({ surveyId })).transfer;
      assert.equal(status?.status, "answered");
      assert.equal(status?.toQueue?.name, "glass");
      assert.equal(await t.db.queueEntry.count({ where: { surveyId } }), 1, "no second survey entry");
      assert.equal(await t.db.outboxMessage.count({ where: { surveyId } }), 0, "no SMS to the driver");

      // Agent 1 takes the next driver; a start-up repair must not hand the transferred survey over again
      // (nor put agent 1, busy with someone else now, into wrap-up).
      await svc.enter(driver(roadside, { plate: "沪A·T0003" }));
      await svc.setReady(a1);
      const next = await svc.accept((await pendingOffer(a1)).id, a1);
      await svc.repairAnswered();
      assert.equal(await agentState(a1), "busy");
      assert.equal((await t.db.survey.findUniqueOrThrow({ where: { id: surveyId } })).agentId, a3);
      assert.equal((await agent1.queue.myOffer()).currentSurveyId, next.surveyId);

      // The survey's end puts its agent now (3) into wrap-up.
      clock.advance(60);
      await closeSurvey(t.db, { surveyId, actor: { id: a3, role: "agent" }, withoutStatement: { reason: "driver_left" } });
      assert.equal(await svc.surveyEnded(surveyId), true);
      assert.equal(await agentState(a3), "wrapup");

      // The timeline: every transfer, each outcome, in order.
      const events = (await t.db.surveyEvent.findMany({ where: { surveyId }, orderBy: { seq: "asc" } })).map((e) => e.type).filter((x) => x.startsWith("queue."));
      assert.deepEqual(events, [
        "queue.entered",
        "queue.offered",
        "queue.answered",
        "queue.transferred",
        "queue.offered",
        "queue.declined",
        "queue.transfer.returned",
        "queue.transferred",
        "queue.offered",
        "queue.timedout",
        "queue.transfer.returned",
        "queue.transferred",
        "queue.transfer.returned",
        "queue.transferred",
        "queue.offered",
        "queue.answered",
      ]);

      // The wallboard counts transfers apart from drivers, and agrees with its export.
      const admin = await callerFor((await t.db.user.findUniqueOrThrow({ where: { email: "admin@example.com" } })).id);
      const board = await admin.queueAdmin.wallboard({ timeZone: "UTC" });
      const g = board.queues.find((q) => q.name === "glass")!;
      assert.deepEqual([g.today.entered, g.today.answered, g.today.transfers, g.waiting], [1, 0, 2, 1]);
      const r = board.queues.find((q) => q.name === "roadside")!;
      assert.deepEqual([r.today.entered, r.today.answered, r.today.transfers], [2, 2, 2]);
      const exported = await admin.queueAdmin.exportEvents({ timeZone: "UTC" });
      const rows = await t.db.queueEvent.findMany({ orderBy: [{ at: "asc" }, { id: "asc" }] });
      assert.equal(exported.csv.trim().split(/\r?\n/).length - 1, rows.length, "the export holds every event of the day");
      const recount = computeWallboard({
        nowMs: board.nowMs,
        fromMs: board.fromMs,
        toMs: board.toMs,
        queues: board.queues.map((q) => ({ id: q.queueId, name: q.name, label: q.label, serviceLevelSec: q.serviceLevelSec })),
        events: rows.map((e): WallboardEvent => ({ id: e.id, type: e.type, atMs: e.at.getTime(), entryId: e.entryId, queueId: e.queueId, agentId: e.agentId, payload: JSON.parse(e.payload) })),
        open: [],
        agents: [],
      });
      assert.deepEqual(recount.total.today, board.total.today);
    });
  });
}
