// The queue's tRPC router through createCaller on both databases: the driver by
// their entry token (start form, waiting screen, leave, call me back), the agent
// by their account (ready/away, the offer with the driver's facts, accept,
// decline), and every refusal through the one error-to-status table.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { hashToken } from "../../server/auth/secret-token";
import { DomainError } from "../../server/domain/errors";
import { QueueService } from "../../server/queue/queue-service";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { DrivenClock, codeSentTo } from "./queue-fixtures";

const log = pino({ level: "silent" });

for (const kind of databaseKinds) {
  describe(`queue router on ${kind}`, () => {
    let t: TestDatabase;
    let app: AppContext;
    let queueId: string;
    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      const queue = new QueueService({ db: t.db, provider: kind, surveys: { publicUrl: "https://survey.example.com", ttlHours: 24 } });
      // Only what these procedures touch: the database and the queue service.
      app = { env: { PUBLIC_URL: "https://survey.example.com", INVITE_TTL_HOURS: 24 }, db: t.db, log, queue } as unknown as AppContext;
      queueId = (await queue.createQueue("roadside", { offerTimeoutSec: 60, wrapUpSec: 30 })).id;
      const agent1 = await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } });
      await queue.upsertAgent({ userId: agent1.id, queueIds: [queueId] });
    });
    after(async () => t?.drop());

    async function callerFor(email: string | null) {
      const user = email ? await t.db.user.findUniqueOrThrow({ where: { email } }) : null;
      const ctx = { app, user, sessionToken: undefined, inviteToken: undefined, locale: "en", setSessionCookie: () => undefined } as TrpcContext;
      return appRouter.createCaller(ctx);
    }
    const refused = (code: TRPCError["code"], domain?: string) => (e: unknown) =>
      e instanceof TRPCError && e.code === code && (!domain || (e.cause instanceof DomainError && e.cause.code === domain));
    const report = (over: Record<string, unknown> = {}) => ({ queue: "roadside", plate: "沪A·R0001", claimType: "motor_collision" as const, policyholderMobile: "13800138000", language: "zh-CN" as const, mobileCode: "000000", ...over });
    /** The start form as a driver fills it: a code for the number, read from the SMS, then the report. */
    async function enterConfirmed(anon: Awaited<ReturnType<typeof callerFor>>, input: ReturnType<typeof report>) {
      await anon.queue.sendCode({ policyholderMobile: input.policyholderMobile, language: input.language });
      return anon.queue.enter({ ...input, mobileCode: await codeSentTo(t.db, input.policyholderMobile) });
    }

    test("the start form's input is checked field by field; an unknown queue is not found", async () => {
      const anon = await callerFor(null);
      await assert.rejects(anon.queue.enter(report({ plate: undefined })), (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST" && JSON.stringify((e.cause as { issues?: unknown }).issues).includes("policyOrPlate"));
      await assert.rejects(anon.queue.enter(report({ policyholderMobile: "12" })), refused("BAD_REQUEST"));
      await assert.rejects(anon.queue.enter(report({ claimType: "boat" })), refused("BAD_REQUEST"));
      await assert.rejects(anon.queue.enter(report({ queue: "nowhere" })), refused("NOT_FOUND", "NOT_FOUND"));
      await assert.rejects(anon.queue.enter(report({ mobileCode: "12345" })), (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST" && JSON.stringify((e.cause as { issues?: unknown }).issues).includes("error.field.mobileCode"));
      await assert.rejects(anon.queue.enter(report()), refused("PRECONDITION_FAILED", "MOBILE_CODE_EXPIRED"), "no code was sent to this number");
    });

    test("a driver waits with place and estimate, an agent is offered them with the facts, accepts, and the driver's token joins the survey", async () => {
      const anon = await callerFor(null);
      const agent = await callerFor("agent1@example.com");
      const first = await enterConfirmed(anon, report());
      const second = await enterConfirmed(anon, report({ plate: undefined, policyNumber: "PD-ROUTER-2", policyholderMobile: "13900139000" }));
      const s1 = await anon.queue.status({ entryToken: first.entryToken });
      assert.deepEqual([s1.status, s1.position, s1.estimatedWaitSec, s1.mobile], ["waiting", 1, null, "138****8000"], "nobody on duty: no number");
      assert.equal((await anon.queue.status({ entryToken: second.entryToken })).position, 2);
      await assert.rejects(anon.queue.status({ entryToken: "not-a-token-of-anybody" }), refused("NOT_FOUND", "NOT_FOUND"));

      assert.deepEqual((await agent.queue.myOffer()).offer, null);
      assert.deepEqual(await agent.queue.setMyState({ state: "ready" }), { state: "offered" }, "ready, and at once offered the first driver");
      const { offer, state } = await agent.queue.myOffer();
      assert.equal(state, "offered");
      assert.ok(offer);
      assert.equal(offer.driver.plate, "沪A·R0001");
      assert.equal(offer.driver.mobile, "138****8000");
      assert.equal(offer.driver.claimType, "motor_collision");
      assert.ok(offer.expiresAt.getTime() > Date.now() + 30_000, "the deadline is the queue's offer timeout away");
      assert.equal((await anon.queue.status({ entryToken: first.entryToken })).status, "offered");
      // The second driver: place 2 behind the ringing one, one agent on duty and none ready: two rounds of the default handling time.
      const behind = await anon.queue.status({ entryToken: second.entryToken });
      assert.deepEqual([behind.position, behind.estimatedWaitSec], [2, 600]);
      await assert.rejects(agent.queue.setMyState({ state: "away" }), refused("CONFLICT", "CONFLICT"), "away is refused while an offer rings");

      const { surveyId } = await agent.queue.accept({ offerId: offer.offerId });
      await assert.rejects(agent.queue.accept({ offerId: offer.offerId }), refused("CONFLICT", "CONFLICT"), "an answered offer is gone");
      await assert.rejects(agent.queue.decline({ offerId: "no-such-offer" }), refused("CONFLICT", "CONFLICT"));
      const answered = await anon.queue.status({ entryToken: first.entryToken });
      assert.deepEqual([answered.status, answered.position], ["answered", null]);
      const invite = await t.db.invite.findUniqueOrThrow({ where: { tokenHash: hashToken(first.entryToken) } });
      assert.equal(invite.surveyId, surveyId, "the waiting page's token is the survey link: no second SMS");
      assert.equal((await anon.queue.status({ entryToken: second.entryToken })).position, 1, "the second driver moves up");
      assert.equal((await agent.queue.myOffer()).currentSurveyId, surveyId);

      // Ready again only once the survey has ended: then through wrap-up (counted as handling time).
      await assert.rejects(agent.queue.setMyState({ state: "ready" }), refused("CONFLICT", "CONFLICT"));
      await t.db.survey.update({ where: { id: surveyId }, data: { status: "closed", closedAt: new Date() } });
      assert.deepEqual(await agent.queue.setMyState({ state: "ready" }), { state: "offered" }, "ready again, and offered the second driver");
      const states = await t.db.queueEvent.findMany({ where: { type: "agent.state" }, orderBy: [{ at: "asc" }, { id: "asc" }], select: { payload: true } });
      assert.deepEqual(states.map((e) => JSON.parse(e.payload).state), ["ready", "wrapup", "ready"]);
      const again = (await agent.queue.myOffer()).offer!;
      assert.equal(again.driver.policyNumber, "PD-ROUTER-2");
      await agent.queue.decline({ offerId: again.offerId });
      assert.equal((await anon.queue.status({ entryToken: second.entryToken })).status, "waiting", "declined: waiting for another agent");
    });

    test("the waiting page's poll keeps the driver's place; a page quiet past the grace period is dropped and says so", async () => {
      // Its own service and queue with a driven clock, so the grace period passes without waiting.
      const clock = new DrivenClock();
      const queue = new QueueService({ db: t.db, provider: kind, clock: clock.now, surveys: { publicUrl: "https://survey.example.com", ttlHours: 24 } });
      await queue.createQueue("roadside-grace", { droppedGraceSec: 60 });
      const driven = { ...app, queue } as AppContext;
      const anon = appRouter.createCaller({ app: driven, user: null, sessionToken: undefined, inviteToken: undefined, locale: "en", setSessionCookie: () => undefined } as TrpcContext);
      const polling = await enterConfirmed(anon, report({ queue: "roadside-grace", plate: "沪A·G0001", policyholderMobile: "13700137001" }));
      const quiet = await enterConfirmed(anon, report({ queue: "roadside-grace", plate: "沪A·G0002", policyholderMobile: "13700137002" }));
      for (let sec = 0; sec < 120; sec += 10) {
        clock.advance(10);
        await anon.queue.status({ entryToken: polling.entryToken });
        await queue.runDueTimers();
      }
      const kept = await anon.queue.status({ entryToken: polling.entryToken });
      assert.deepEqual([kept.status, kept.position], ["waiting", 1], "polled every 10 s for 2 minutes: still in the queue, now first");
      const dropped = await anon.queue.status({ entryToken: quiet.entryToken });
      assert.deepEqual([dropped.status, dropped.endReason], ["abandoned", "dropped"]);
      await anon.queue.leave({ entryToken: polling.entryToken });
    });

    test("leave and call me back end the entry, each saying why; the agent side is for queue agents only", async () => {
      const anon = await callerFor(null);
      const leaving = await enterConfirmed(anon, report({ plate: "沪A·R0003", policyholderMobile: "13600136003" }));
      assert.deepEqual(await anon.queue.leave({ entryToken: leaving.entryToken }), { ok: true });
      const left = await anon.queue.status({ entryToken: leaving.entryToken });
      assert.deepEqual([left.status, left.endReason], ["abandoned", "left"]);
      await assert.rejects(anon.queue.leave({ entryToken: leaving.entryToken }), refused("CONFLICT", "CONFLICT"));
      await assert.rejects(anon.queue.callMeBack({ entryToken: leaving.entryToken }), refused("CONFLICT", "CONFLICT"));

      const back = await enterConfirmed(anon, report({ plate: "沪A·R0004", policyholderMobile: "13600136004" }));
      const { entryToken: callbackToken } = await anon.queue.callMeBack({ entryToken: back.entryToken });
      const cb = await anon.queue.status({ entryToken: back.entryToken });
      assert.deepEqual([cb.status, cb.endReason], ["abandoned", "callback"]);
      // The waiting page gets the callback entry's token and watches it from then on.
      const watching = await anon.queue.status({ entryToken: callbackToken });
      assert.deepEqual([watching.mode, watching.status], ["callback", "offered"]);
      // agent1 is still ready (they declined above): the callback entry rings at once, marked as a callback.
      const callback = await t.db.queueEntry.findFirstOrThrow({ where: { plate: "沪A·R0004", mode: "callback" } });
      assert.equal(callback.status, "offered", "the next free agent is offered the callback");
      const ringing = (await (await callerFor("agent1@example.com")).queue.myOffer()).offer!;
      assert.deepEqual([ringing.driver.mode, ringing.driver.plate], ["callback", "沪A·R0004"]);

      // agent2 serves no queue: the console shows nothing and ready is refused; others may not ask at all.
      const agent2 = await callerFor("agent2@example.com");
      assert.deepEqual((await agent2.queue.myOffer()).state, null);
      await assert.rejects(agent2.queue.setMyState({ state: "ready" }), refused("FORBIDDEN", "FORBIDDEN"));
      await assert.rejects(anon.queue.myOffer(), refused("UNAUTHORIZED"));
      await assert.rejects((await callerFor("auditor@example.com")).queue.setMyState({ state: "ready" }), refused("FORBIDDEN"));
    });
  });
}
