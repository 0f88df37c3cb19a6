// The queue service on both databases with a driven clock: each routing rule and
// timer seen through the stored rows and events, and the survey's timeline.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { QueueService } from "../../server/queue/queue-service";
import { createSurveyForEntry } from "../../server/queue/queue-survey";
import { tryOffer } from "../../server/queue/atomic-assignment";
import { DrivenClock, driver, makeAgents, queueService } from "./queue-fixtures";

for (const kind of databaseKinds) {
  describe(`queue service (${kind})`, () => {
    let t: TestDatabase;
    let svc: QueueService;
    const clock = new DrivenClock();
    let main: string;
    let second: string;

    before(async () => {
      t = await freshDatabase(kind);
      svc = queueService(t.db, kind, clock);
      second = (await svc.createQueue("second", { offerTimeoutSec: 15 })).id;
      main = (await svc.createQueue("main", { offerTimeoutSec: 15, overflowAfterSec: 60, overflowQueueId: second, maxWaitSec: 300, stickyWaitSec: 30, wrapUpSec: 10 })).id;
    });
    after(async () => t?.drop());

    const eventsOf = async (entryId: string) => (await t.db.queueEvent.findMany({ where: { entryId }, orderBy: [{ at: "asc" }, { id: "asc" }] })).map((e) => e.type);

    it("offers to a ready agent; accept makes a survey whose timeline holds the queue events, and the driver's token joins it", async () => {
      const [a] = await makeAgents(t.db, svc, `first-${kind}-`, 1, [main]);
      const entered = await svc.enter(driver(main, { policyNumber: "PD-RETURN-1" }));
      assert.equal(entered.offers.length, 0, "nobody is ready yet");
      assert.equal((await svc.entryStatus(entered.entryId)).position, 1);
      const offers = await svc.setReady(a!);
      assert.equal(offers.length, 1);
      clock.advance(4);
      const { surveyId } = await svc.accept(offers[0]!.offerId, a!);
      const survey = await t.db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { events: { orderBy: { seq: "asc" } }, invites: true } });
      assert.equal(survey.agentId, a);
      assert.deepEqual(
        survey.events.map((e) => e.type).filter((x) => x.startsWith("queue.")),
        ["queue.entered", "queue.offered", "queue.answered"],
      );
      const { hashToken } = await import("../../server/auth/secret-token");
      assert.ok(survey.invites.some((i) => i.role === "policyholder" && i.tokenHash === hashToken(entered.token)), "the driver's queue token is the survey link");

      // A second attempt (another server repairing the same entry) returns the same survey and
      // writes nothing: no second claim, and, on SQLite, no rollback that would take a write made
      // meanwhile on the shared connection with it.
      const entry = await t.db.queueEntry.findUniqueOrThrow({ where: { id: entered.entryId } });
      const claims = await t.db.claim.count();
      // The other request's write lands while the attempt's transaction is open: made from the
      // attempt's first statement inside it (a survey, or the look-up that finds the survey made).
      let meanwhile = false;
      const writeMeanwhile = async ({ args, query }: { args: unknown; query: (a: unknown) => Promise<unknown> }) => {
        if (!meanwhile) {
          meanwhile = true;
          await t.db.queue.create({ data: { name: `meanwhile-${kind}` } });
        }
        return query(args);
      };
      const observed = t.db.$extends({ query: { survey: { create: writeMeanwhile }, queueEntry: { findUnique: writeMeanwhile } } }) as unknown as typeof t.db;
      const again = await createSurveyForEntry(observed, { publicUrl: "http://localhost:3000", ttlHours: 24 }, { ...entry, surveyId: null });
      assert.ok(meanwhile);
      assert.equal(again, surveyId);
      assert.equal(await t.db.claim.count(), claims);
      assert.ok(await t.db.queue.findUnique({ where: { name: `meanwhile-${kind}` } }), "the write made meanwhile is kept");
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: a! } })).state, "busy");
      await svc.finishWork(a!, main);
      clock.advance(10);
      await svc.runDueTimers();
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: a! } })).state, "ready", "wrap-up ends by its timer");
      await svc.setAway(a!);
    });

    it("a VIP overtakes; a returning policyholder waits for their previous agent", async () => {
      const [b, c] = await makeAgents(t.db, svc, `second-${kind}-`, 2, [main]);
      const previous = (await t.db.queueEntry.findFirstOrThrow({ where: { policyNumber: "PD-RETURN-1" } })).assignedAgentId!;
      const plain = await svc.enter(driver(main));
      clock.advance(1);
      const vip = await svc.enter(driver(main, { vip: true }));
      clock.advance(1);
      const back = await svc.enter(driver(main, { policyNumber: "PD-RETURN-1" }));
      assert.equal((await t.db.queueEntry.findUniqueOrThrow({ where: { id: back.entryId } })).stickyAgentId, previous);
      assert.equal((await svc.entryStatus(vip.entryId)).position, 1);
      const first = await svc.setReady(b!);
      assert.deepEqual(first.map((o) => o.entryId), [vip.entryId], "the VIP is offered first");
      const secondOffers = await svc.setReady(c!);
      assert.deepEqual(secondOffers.map((o) => o.entryId), [plain.entryId], "the returning driver is kept for their agent");
      const sticky = await svc.setReady(previous);
      assert.deepEqual(sticky.map((o) => [o.entryId, o.agentId]), [[back.entryId, previous]]);
      for (const o of [...first, ...secondOffers, ...sticky]) await svc.accept(o.offerId, o.agentId);
    });

    it("VIP first with another router at work: a round whose offer to the VIP fails (the agent was taken meanwhile) decides again, and does not give the next agent to a plain driver", async () => {
      // Its own queue and agents, so nobody else's state takes part.
      const q = (await svc.createQueue(`vip-race-${kind}`)).id;
      const [first, next] = await makeAgents(t.db, svc, `vip-race-${kind}-`, 2, [q]);
      const plain = await svc.enter(driver(q));
      clock.advance(1);
      const vip = await svc.enter(driver(q, { vip: true }));
      clock.advance(1);
      // Both ready without a round of their own; `first` idle longer, so the VIP's pick.
      for (const [agent, idleSec] of [[first!, 2], [next!, 1]] as const) {
        const since = new Date(clock.ms - idleSec * 1000);
        await t.db.queueAgent.update({ where: { userId: agent }, data: { state: "ready", stateSince: since, readySince: since } });
      }
      // Another router's change lands between this round's read of the ready agents and its first offer:
      // `first` is gone (here: away; under load, offered a driver by the other router).
      let taken = false;
      const racing = t.db.$extends({
        query: {
          queueAgent: {
            findMany: async ({ args, query }) => {
              const rows = await query(args);
              if (!taken) {
                taken = true;
                assert.equal(await svc.setAway(first!), true);
              }
              return rows;
            },
          },
        },
      }) as unknown as typeof t.db;
      const offers = await queueService(racing, kind, clock).dispatch();
      assert.ok(taken);
      assert.deepEqual(offers.map((o) => [o.entryId, o.agentId]), [[vip.entryId, next]], "the VIP gets the agent still free; the plain driver waits");
      assert.equal((await t.db.queueEntry.findUniqueOrThrow({ where: { id: plain.entryId } })).status, "waiting");
      await svc.abandon(plain.entryId);
      await svc.abandon(vip.entryId);
      await svc.setAway(next!);
    });

    it("an offer that fails (the agent was taken) never shows its entry as taken to another request meanwhile", async () => {
      const q = (await svc.createQueue(`failed-offer-${kind}`)).id;
      const [gone] = await makeAgents(t.db, svc, `failed-offer-${kind}-`, 1, [q]);
      const vip = await svc.enter(driver(q, { vip: true }));
      // `gone` is away: the round read it ready, and it went before the offer.
      // What another request reads while the offer's transaction runs (on SQLite, on the same connection).
      const seen: string[] = [];
      const watched = t.db.$extends({
        query: {
          $allOperations: async ({ args, query }) => {
            const result = await query(args);
            seen.push((await t.db.queueEntry.findUniqueOrThrow({ where: { id: vip.entryId } })).status);
            return result;
          },
        },
      }) as unknown as typeof t.db;
      const offer = await tryOffer(watched, kind, { entryId: vip.entryId, queueId: q, agentId: gone!, reason: "longest-idle", now: clock.now(), offerTimeoutSec: 15 });
      assert.deepEqual(offer, { lost: "agent" });
      assert.ok(seen.length > 0);
      assert.deepEqual([...new Set(seen)], ["waiting"], "another router reading meanwhile sees the VIP waiting, and serves it first");
      await svc.abandon(vip.entryId);
    });

    it("an unanswered offer passes on and the agent goes away; overflow to the second group; max wait offers a callback", async () => {
      const [slow, other] = await makeAgents(t.db, svc, `third-${kind}-`, 2, [main]);
      const [overflowAgent] = await makeAgents(t.db, svc, `overflow-${kind}-`, 1, [second]);
      const e = await svc.enter(driver(main));
      const [offer] = await svc.setReady(slow!);
      assert.equal(offer!.agentId, slow);
      clock.advance(15);
      await svc.runDueTimers();
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: slow! } })).state, "away");
      assert.equal((await t.db.queueOffer.findUniqueOrThrow({ where: { id: offer!.offerId } })).status, "timedout");
      assert.equal((await t.db.queueEntry.findUniqueOrThrow({ where: { id: e.entryId } })).status, "waiting");
      await svc.setReady(overflowAgent!);
      assert.equal((await t.db.queueEntry.findUniqueOrThrow({ where: { id: e.entryId } })).status, "waiting", "the second group waits for the overflow time");
      clock.advance(45);
      const { offers } = await svc.runDueTimers();
      assert.deepEqual(offers.map((o) => o.agentId), [overflowAgent]);
      await svc.decline(offers[0]!.offerId, overflowAgent!);
      await svc.setAway(overflowAgent!);
      clock.advance(240);
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(e.entryId)).callbackOffered, true);
      const { callbackEntryId, token } = await svc.requestCallback(e.entryId);
      const [cb] = await svc.setReady(other!);
      assert.equal(cb!.entryId, callbackEntryId);
      assert.deepEqual(await eventsOf(e.entryId), ["entered", "offered", "timedout", "overflowed", "offered", "declined", "callback.offered", "abandoned"]);
      assert.deepEqual(await eventsOf(callbackEntryId), ["callback", "offered"]);
      // The token the waiting page now holds is the callback entry's own.
      const { hashToken } = await import("../../server/auth/secret-token");
      assert.equal((await t.db.queueEntry.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } })).id, callbackEntryId);

      // Accepting the callback texts the driver the survey's link; both that link and the page's token open the call.
      const before = await t.db.outboxMessage.count();
      const { surveyId } = await svc.accept(cb!.offerId, other!);
      const texts = await t.db.outboxMessage.findMany({ where: { surveyId } });
      assert.equal(texts.length, 1, "one SMS for the driver");
      assert.equal(await t.db.outboxMessage.count(), before + 1);
      const entry = await t.db.queueEntry.findUniqueOrThrow({ where: { id: callbackEntryId } });
      assert.equal(texts[0]!.to, entry.mobile);
      assert.match(texts[0]!.body, /理赔案件 CLM-\d{8}-[0-9A-F]{8} 需要进行视频查勘/, "in the driver's language (zh-CN)");
      const link = /http:\/\/localhost:3000\/join\/([A-Za-z0-9_-]+)/.exec(texts[0]!.body);
      assert.ok(link, `the SMS holds the link: ${texts[0]!.body}`);
      const { resolveInvite } = await import("../../server/domain/invites");
      const byText = await resolveInvite(t.db, link[1]!);
      const byPage = await resolveInvite(t.db, token);
      for (const inv of [byText, byPage]) {
        assert.equal(inv.surveyId, surveyId);
        assert.equal(inv.role, "policyholder");
      }
      assert.notEqual(byText.id, byPage.id);
      const timeline = (await t.db.surveyEvent.findMany({ where: { surveyId }, orderBy: { seq: "asc" } })).map((x) => ({ type: x.type, payload: JSON.parse(x.payload) as Record<string, unknown> }));
      assert.deepEqual(
        timeline.map((x) => x.type).filter((x) => x.startsWith("queue.") || x === "sms.queued"),
        ["queue.callback", "queue.offered", "queue.answered", "sms.queued"],
      );
      assert.equal(timeline.find((x) => x.type === "queue.answered")!.payload.mode, "callback", "the timeline says a callback was answered");
      const sms = timeline.find((x) => x.type === "sms.queued")!.payload;
      assert.equal(sms.role, "policyholder");
      assert.equal(sms.sender, "outbox");
      assert.equal(sms.messageId, texts[0]!.id);

      // Repairing after a restart sends no second SMS; a live answer sends none at all.
      await svc.repairAnswered();
      assert.equal(await t.db.outboxMessage.count({ where: { surveyId } }), 1);
      assert.equal(before, 0, "live answers sent no SMS");
      await svc.finishWork(other!, main);
      await svc.setAway(other!);
    });

    it("a callback whose SMS the provider refused still goes into the call; a persistent timer sends the SMS later, once, in English for an English driver", async () => {
      const [r] = await makeAgents(t.db, svc, `repair-${kind}-`, 1, [main]);
      const e = await svc.enter(driver(main, { language: "en" }));
      const { callbackEntryId, token: pageToken } = await svc.requestCallback(e.entryId);
      const [o] = await svc.setReady(r!);
      assert.equal(o!.entryId, callbackEntryId);
      // The SMS provider is down as the agent accepts: the answer and the survey stand, the text is missing.
      const down = new QueueService({ db: t.db, provider: kind, clock: clock.now, sms: { name: "down", send: () => Promise.reject(new Error("provider unreachable")) } });
      const { surveyId } = await down.accept(o!.offerId, r!);
      const entry = await t.db.queueEntry.findUniqueOrThrow({ where: { id: callbackEntryId } });
      assert.deepEqual([entry.status, entry.surveyId], ["answered", surveyId]);
      const { resolveInvite } = await import("../../server/domain/invites");
      assert.equal((await resolveInvite(t.db, pageToken)).surveyId, surveyId, "the waiting page's token joins the call meanwhile");
      assert.equal(await t.db.outboxMessage.count({ where: { surveyId } }), 0);
      // Still down at the first retry: tried again later.
      clock.advance(30);
      assert.equal((await down.runDueTimers()).fired, 1);
      assert.equal(await t.db.outboxMessage.count({ where: { surveyId } }), 0);
      // Back up (here: a server with a working sender runs the timers): sent once, and never again.
      clock.advance(29);
      assert.equal((await svc.runDueTimers()).fired, 0, "not before the retry is due");
      clock.advance(1);
      assert.equal((await svc.runDueTimers()).fired, 1);
      await svc.runDueTimers();
      await svc.repairAnswered();
      const texts = await t.db.outboxMessage.findMany({ where: { surveyId } });
      assert.equal(texts.length, 1);
      assert.match(texts[0]!.body, /^Your claim CLM-\d{8}-[0-9A-F]{8} needs a video survey\. Open this link in your phone's browser to join: http:\/\/localhost:3000\/join\//);
      const token = /\/join\/([A-Za-z0-9_-]+)/.exec(texts[0]!.body)![1]!;
      assert.equal((await resolveInvite(t.db, token)).surveyId, surveyId);
      assert.equal((await resolveInvite(t.db, pageToken)).surveyId, surveyId, "the SMS link does not revoke the page's");
      assert.equal(await t.db.queueTimer.count({ where: { kind: "callback-link" } }), 0);
      await svc.finishWork(r!, main);
      await svc.setAway(r!);
    });

    it("a callback answered whose SMS never went out (the server stopped before it) is texted by the start-up repair", async () => {
      const [r] = await makeAgents(t.db, svc, `restart-${kind}-`, 1, [main]);
      const e = await svc.enter(driver(main));
      const { callbackEntryId } = await svc.requestCallback(e.entryId);
      const [o] = await svc.setReady(r!);
      // The server stops inside the SMS step: simulated by a sender that never returns an answer the service sees.
      const stopping = new QueueService({ db: t.db, provider: kind, clock: clock.now, sms: { name: "stopping", send: () => new Promise(() => undefined) } });
      void stopping.accept(o!.offerId, r!);
      const survey = await (async () => {
        for (let i = 0; i < 400; i++) {
          const s = (await t.db.queueEntry.findUniqueOrThrow({ where: { id: callbackEntryId } })).surveyId;
          if (s && (await t.db.surveyEvent.count({ where: { surveyId: s, type: "queue.answered" } })) === 1 && (await t.db.invite.count({ where: { surveyId: s, role: "policyholder" } })) === 2) return s;
          await new Promise((res) => setTimeout(res, 50));
        }
        throw new Error("the accept did not reach the SMS step");
      })();
      assert.equal(await t.db.outboxMessage.count({ where: { surveyId: survey } }), 0);
      await svc.repairAnswered();
      assert.equal(await t.db.outboxMessage.count({ where: { surveyId: survey } }), 1);
      await svc.finishWork(r!, main);
      await svc.setAway(r!);
    });

    it("a queue survey's end puts its agent into wrap-up, then ready by the timer; other surveys are not the queue's", async () => {
      const [w] = await makeAgents(t.db, svc, `wrap-${kind}-`, 1, [main]);
      const e = await svc.enter(driver(main));
      const [o] = await svc.setReady(w!);
      assert.equal(o!.entryId, e.entryId);
      const { surveyId } = await svc.accept(o!.offerId, w!);
      assert.equal(await svc.surveyEnded(surveyId), true);
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: w! } })).state, "wrapup");
      assert.equal(await svc.surveyEnded(surveyId), false, "a second close changes nothing");
      clock.advance(10);
      await svc.runDueTimers();
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: w! } })).state, "ready");
      assert.equal(await svc.surveyEnded("not-a-queue-survey"), false);
      await svc.setAway(w!);
    });

    it("a waiting page not heard from for the grace period gives up its place ('dropped'); one that comes back in time keeps it; a restart gives every page a fresh grace", async () => {
      const q = (await svc.createQueue(`watched-${kind}`, { droppedGraceSec: 60 })).id;
      const timerOf = async (entryId: string) => (await t.db.queueTimer.findUnique({ where: { kind_refId: { kind: "dropped", refId: entryId } } }))?.dueAt.getTime() ?? null;
      const start = clock.ms;
      const back = await svc.enter(driver(q, { watched: true }));
      const gone = await svc.enter(driver(q, { watched: true }));
      // From the insurer's app: no waiting page, so never dropped.
      const app = await svc.enter(driver(q));
      assert.equal(await timerOf(back.entryId), start + 60_000);
      assert.equal(await timerOf(app.entryId), null);

      // The first page is quiet for 40 s, then polls; the second never polls again.
      clock.advance(40);
      await svc.heartbeat(back.entryId);
      assert.equal(await timerOf(back.entryId), start + 100_000, "each poll moves the timer to a full grace from now");
      clock.advance(30);
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(gone.entryId)).status, "abandoned");
      const dropped = await t.db.queueEvent.findMany({ where: { entryId: gone.entryId }, orderBy: [{ at: "asc" }, { id: "asc" }] });
      assert.deepEqual(dropped.map((e) => e.type), ["entered", "abandoned"], "counted as an abandonment");
      assert.equal(JSON.parse(dropped[1]!.payload).reason, "dropped");
      assert.equal(JSON.parse(dropped[1]!.payload).waitedMs, 70_000);
      assert.equal(dropped[1]!.at.getTime(), start + 70_000, "dropped by the timer loop when its timer was due");
      assert.equal((await svc.entryStatus(back.entryId)).status, "waiting");
      assert.equal((await svc.entryStatus(back.entryId)).position, 1);
      assert.equal((await svc.entryStatus(app.entryId)).position, 2);
      // A page that comes back after it was dropped does not take its place again.
      await svc.heartbeat(gone.entryId);
      assert.equal(await timerOf(gone.entryId), null);
      assert.equal((await svc.entryStatus(gone.entryId)).status, "abandoned");

      // Just within the grace each time: the place is kept.
      clock.advance(25);
      await svc.heartbeat(back.entryId);
      clock.advance(59);
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(back.entryId)).position, 1);

      // The server is down for 5 minutes: at start every page gets a full grace to reach it again.
      clock.advance(300);
      await queueService(t.db, kind, clock).graceAfterStart();
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(back.entryId)).status, "waiting", "the downtime does not count against the phone");
      clock.advance(61);
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(back.entryId)).status, "abandoned", "but a phone that does not come back is dropped");
      assert.equal((await svc.entryStatus(app.entryId)).status, "waiting", "an entry without a waiting page is never dropped");
      await svc.abandon(app.entryId);
    });

    it("a dropped phone's ringing offer stops and frees the agent; an answered entry is never dropped", async () => {
      const q = (await svc.createQueue(`watched-offer-${kind}`, { droppedGraceSec: 30, offerTimeoutSec: 300 })).id;
      const [x] = await makeAgents(t.db, svc, `watch-${kind}-`, 1, [q]);
      const ringing = await svc.enter(driver(q, { watched: true }));
      const [o] = await svc.setReady(x!);
      assert.equal(o!.entryId, ringing.entryId);
      clock.advance(31);
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(ringing.entryId)).status, "abandoned");
      assert.equal((await t.db.queueOffer.findUniqueOrThrow({ where: { id: o!.offerId } })).status, "withdrawn");
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: x! } })).state, "ready");

      const answered = await svc.enter(driver(q, { watched: true }));
      const [o2] = answered.offers;
      assert.equal(o2!.entryId, answered.entryId, "the ready agent is offered the entry at once");
      await svc.accept(o2!.offerId, x!);
      await svc.heartbeat(answered.entryId);
      clock.advance(31);
      await svc.runDueTimers();
      assert.equal((await svc.entryStatus(answered.entryId)).status, "answered");
      assert.equal(await t.db.queueTimer.count({ where: { kind: "dropped", refId: answered.entryId } }), 0);
      await svc.finishWork(x!, q);
      await svc.setAway(x!);
    });

    it("a driver who leaves while an offer rings frees the agent", async () => {
      const [d] = await makeAgents(t.db, svc, `fourth-${kind}-`, 1, [main]);
      const e = await svc.enter(driver(main));
      const [o] = await svc.setReady(d!);
      assert.equal(o!.entryId, e.entryId);
      assert.equal(await svc.abandon(e.entryId), true);
      assert.equal((await t.db.queueAgent.findUniqueOrThrow({ where: { userId: d! } })).state, "ready");
      await assert.rejects(svc.accept(o!.offerId, d!), /no longer open/);
    });
  });
}
