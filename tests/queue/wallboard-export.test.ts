// The wallboard and its export through the tRPC router on both databases, with
// the queue service driven across midnight in Shanghai: the figures are those
// worked out by hand for the day's traffic, the export holds the events they
// come from (yesterday's start of a wait across midnight included), and the
// figures recomputed from the exported CSV equal the wallboard's. Also the rules
// editor: stored as the engine reads them, and refused field by field.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { TRPCError } from "@trpc/server";
import { appRouter } from "../../server/api/root";
import type { TrpcContext } from "../../server/api/trpc";
import type { AppContext } from "../../server/app-context";
import { seedDemoAccounts } from "../../server/db/seed-demo";
import { DomainError } from "../../server/domain/errors";
import { queueEventCsvColumns } from "../../server/queue/queue-events-csv";
import { computeWallboard, type WallboardEvent } from "../../server/queue/wallboard-figures";
import type { QueueService } from "../../server/queue/queue-service";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { DrivenClock, driver, queueService } from "./queue-fixtures";

const log = pino({ level: "silent" });
const ZONE = "Asia/Shanghai";
const local = (isoLocal: string) => Date.parse(`${isoLocal}+08:00`);

/** RFC 4180, as a spreadsheet reads it: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell), rows.push(row), (row = []), (cell = ""), i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) row.push(cell), rows.push(row);
  return rows;
}

for (const kind of databaseKinds) {
  describe(`wallboard and export on ${kind}`, () => {
    let t: TestDatabase;
    let svc: QueueService;
    let app: AppContext;
    const clock = new DrivenClock();
    let main: string;
    let second: string;
    let a1: string;
    let a2: string;

    before(async () => {
      t = await freshDatabase(kind);
      await seedDemoAccounts(t.db);
      svc = queueService(t.db, kind, clock);
      app = { env: { PUBLIC_URL: "http://localhost:3000", INVITE_TTL_HOURS: 24 }, db: t.db, log, queue: svc } as unknown as AppContext;
      second = (await svc.createQueue("glass", { serviceLevelSec: 60 })).id;
      main = (await svc.createQueue("roadside", { offerTimeoutSec: 15, wrapUpSec: 30, serviceLevelSec: 20, stickyDays: 0 })).id;
      a1 = (await t.db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } })).id;
      a2 = (await t.db.user.findUniqueOrThrow({ where: { email: "agent2@example.com" } })).id;
      await svc.upsertAgent({ userId: a1, queueIds: [main] });
      await svc.upsertAgent({ userId: a2, queueIds: [main, second] });
    });
    after(async () => t?.drop());

    async function callerFor(email: string) {
      const user = await t.db.user.findUniqueOrThrow({ where: { email } });
      const ctx = { app, user, sessionToken: undefined, inviteToken: undefined, locale: "en", setSessionCookie: () => undefined } as TrpcContext;
      return appRouter.createCaller(ctx);
    }
    const at = (isoLocal: string) => (clock.ms = local(isoLocal));
    const offerFor = async (agentId: string) => (await t.db.queueOffer.findFirstOrThrow({ where: { agentId, status: "pending" } })).id;

    test("today's figures are the day's traffic worked out by hand, and the same recomputed from the export", async () => {
      // Yesterday (1 December): Y is answered by a1 at once; X starts waiting with nobody free.
      at("2026-12-01T23:59:00");
      await svc.setReady(a1);
      const y = await svc.enter(driver(main));
      at("2026-12-01T23:59:05");
      await svc.accept(y.offers[0]!.offerId, a1);
      at("2026-12-01T23:59:30");
      const x = await svc.enter(driver(main));
      // Today: a2 comes and answers X after 53 s in the queue (outside the 20 s service level).
      at("2026-12-02T00:00:20");
      await svc.setReady(a2);
      at("2026-12-02T00:00:23");
      await svc.accept(await offerFor(a2), a2);
      // Z gives up before anyone is offered them; W asks to be called back.
      at("2026-12-02T00:01:00");
      const z = await svc.enter(driver(main));
      at("2026-12-02T00:01:10");
      await svc.abandon(z.entryId, "left");
      at("2026-12-02T00:02:00");
      const w = await svc.enter(driver(main));
      at("2026-12-02T00:02:30");
      await svc.requestCallback(w.entryId);
      // a1's survey with Y (answered yesterday) ends today: wrap-up, then ready by the timer, and the callback rings for a1.
      at("2026-12-02T00:05:05");
      await svc.finishWork(a1, main);
      at("2026-12-02T00:05:35");
      const fired = await svc.runDueTimers();
      assert.equal(fired.offers.length, 1, "the callback is offered to a1 when wrap-up is over");
      at("2026-12-02T00:05:40");
      await svc.accept(fired.offers[0]!.offerId, a1);
      // a2 ends X's survey after 10 min; V enters and a2, ready again, answers within 5 s.
      at("2026-12-02T00:10:23");
      await svc.finishWork(a2, main);
      at("2026-12-02T00:11:00");
      await svc.setReady(a2);
      const v = await svc.enter(driver(main));
      at("2026-12-02T00:11:05");
      await svc.accept(v.offers[0]!.offerId, a2);
      // U is waiting now, for 40 s.
      at("2026-12-02T00:12:00");
      await svc.enter(driver(main));
      at("2026-12-02T00:12:40");

      const admin = await callerFor("admin@example.com");
      const board = await admin.queueAdmin.wallboard({ timeZone: ZONE });
      assert.equal(board.day, "2026-12-02");
      const roadside = board.queues.find((q) => q.name === "roadside")!;
      assert.deepEqual(
        { waiting: roadside.waiting, callbacksWaiting: roadside.callbacksWaiting, longestWaitSec: roadside.longestWaitSec, agents: roadside.agents },
        { waiting: 1, callbacksWaiting: 0, longestWaitSec: 40, agents: { ready: 0, offered: 0, busy: 2, wrapup: 0, away: 0 } },
      );
      assert.deepEqual(roadside.today, {
        entered: 4, // Z, W, V, U (X and Y entered yesterday)
        answered: 2, // X, V
        answeredWithinServiceLevel: 1, // V after 5 s; X after 53 s
        abandoned: 2, // Z, W
        abandonedBeforeOffer: 2,
        callbacksRequested: 1,
        callbacksAnswered: 1,
        serviceLevel: 1 / 4,
        averageSpeedOfAnswerSec: (53 + 5) / 2,
        abandonmentRate: 2 / 4,
        // Y: 23:59:05 → 00:05:05; X: 00:00:23 → 00:10:23.
        averageHandlingSec: (360 + 600) / 2,
        handled: 2,
        transfers: 0,
      });
      assert.deepEqual(board.total.today, roadside.today, "the glass queue had no traffic");

      const exported = await admin.queueAdmin.exportEvents({ timeZone: ZONE });
      assert.equal(exported.filename, "queue-events-2026-12-02.csv");
      const [header, ...rows] = parseCsv(exported.csv);
      assert.deepEqual(header, [...queueEventCsvColumns]);
      const events: WallboardEvent[] = rows.map(([id, at, type, queueId, entryId, agentId, payload]) => ({
        id: id!,
        atMs: Date.parse(at!),
        type: type!,
        queueId: queueId || null,
        entryId: entryId || null,
        agentId: agentId || null,
        payload: JSON.parse(payload!) as Record<string, unknown>,
      }));
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, "each event once");
      assert.ok(events.some((e) => e.entryId === x.entryId && e.type === "entered" && e.atMs === local("2026-12-01T23:59:30")), "the start of X's wait, yesterday, is in the export");
      assert.ok(events.some((e) => e.entryId === y.entryId && e.type === "answered"), "so is the answer of the survey that ended today");
      assert.equal(await t.db.queueEvent.count({ where: { at: { gte: new Date(board.fromMs), lt: new Date(board.toMs) } } }), events.filter((e) => e.atMs >= board.fromMs).length, "every event of the day");
      const queues = board.queues.map((q) => ({ id: q.queueId, name: q.name, label: q.label, serviceLevelSec: q.serviceLevelSec }));
      const open = (await t.db.queueEntry.findMany({ where: { status: { in: ["waiting", "offered"] } } })).map((e) => ({ id: e.id, queueId: e.queueId, mode: e.mode as "live" | "callback", enteredAtMs: e.enteredAt.getTime() }));
      const agents = (await t.db.queueAgent.findMany()).map((a) => ({ id: a.userId, state: a.state as "busy", queueIds: JSON.parse(a.queueIds) as string[] }));
      const recomputed = computeWallboard({ nowMs: board.nowMs, fromMs: board.fromMs, toMs: board.toMs, queues, events, open, agents });
      assert.deepEqual(recomputed.queues, board.queues);
      assert.deepEqual(recomputed.total, board.total);
    });

    test("only admins see the wallboard and the export; an unknown time zone is a field error", async () => {
      const agent = await callerFor("agent1@example.com");
      const forbidden = (e: unknown) => e instanceof TRPCError && e.code === "FORBIDDEN";
      await assert.rejects(agent.queueAdmin.wallboard({ timeZone: ZONE }), forbidden);
      await assert.rejects(agent.queueAdmin.exportEvents({ timeZone: ZONE }), forbidden);
      await assert.rejects(agent.queueAdmin.queues(), forbidden);
      const admin = await callerFor("admin@example.com");
      await assert.rejects(admin.queueAdmin.wallboard({ timeZone: "Mars/Olympus" }), (e: unknown) => e instanceof TRPCError && e.code === "BAD_REQUEST");
    });

    test("the rules editor stores what the engine reads, and refuses bad input field by field", async () => {
      const admin = await callerFor("admin@example.com");
      const listed = await admin.queueAdmin.queues();
      const roadside = listed.queues.find((q) => q.id === main)!;
      assert.deepEqual(listed.bounds.offerTimeoutSec, { min: 3, max: 600 }, "the page words its messages with the schema's own bounds");
      assert.deepEqual(listed.bounds.overflowAfterSec, { min: 1, max: 86_400 });
      assert.equal(roadside.rules.offerTimeoutSec, 15);
      const next = { ...roadside.rules, vipFirst: false, strategy: "least-busy" as const, stickyDays: 3, stickyWaitSec: 45, overflowQueueId: second, overflowAfterSec: 90, maxWaitSec: 600 };
      await admin.queueAdmin.saveRules({ queueId: main, rules: next });
      assert.deepEqual(await svc.rulesOf(main), next, "the routing engine reads the rules saved");

      const badRequestAt = (path: string) => (e: unknown) => {
        if (!(e instanceof TRPCError) || e.code !== "BAD_REQUEST") return false;
        const issues = (e.cause as { issues?: { path: PropertyKey[] }[] }).issues ?? [];
        return issues.some((i) => i.path.join(".") === path);
      };
      await assert.rejects(admin.queueAdmin.saveRules({ queueId: main, rules: { ...next, offerTimeoutSec: 1 } }), badRequestAt("rules.offerTimeoutSec"));
      await assert.rejects(admin.queueAdmin.saveRules({ queueId: main, rules: { ...next, stickyDays: 2.5 } }), badRequestAt("rules.stickyDays"));
      await assert.rejects(admin.queueAdmin.saveRules({ queueId: main, rules: { ...next, overflowAfterSec: null } }), badRequestAt("rules.overflowAfterSec"));
      await assert.rejects(admin.queueAdmin.saveRules({ queueId: main, rules: { ...next, overflowQueueId: main } }), badRequestAt("rules.overflowQueueId"));
      await assert.rejects(admin.queueAdmin.saveRules({ queueId: main, rules: { ...next, overflowQueueId: "no-such-queue" } }), badRequestAt("rules.overflowQueueId"));
      await assert.rejects(
        admin.queueAdmin.saveRules({ queueId: "no-such-queue", rules: next }),
        (e: unknown) => e instanceof TRPCError && e.code === "NOT_FOUND" && e.cause instanceof DomainError,
      );
      assert.deepEqual(await svc.rulesOf(main), next, "nothing refused was stored");
      const agent = await callerFor("agent1@example.com");
      await assert.rejects(agent.queueAdmin.saveRules({ queueId: main, rules: next }), (e: unknown) => e instanceof TRPCError && e.code === "FORBIDDEN");
    });

    test("a driver already waiting follows the changed rules: the maximum wait and the overflow move, a removed one is gone", async () => {
      const admin = await callerFor("admin@example.com");
      const rules = (await admin.queueAdmin.queues()).queues.find((q) => q.id === main)!.rules;
      await admin.queueAdmin.saveRules({ queueId: main, rules: { ...rules, maxWaitSec: 600, overflowQueueId: second, overflowAfterSec: 90 } });
      at("2026-12-02T08:00:00");
      // Both agents are busy (from the first test): the driver waits.
      const waiting = await svc.enter(driver(main));
      const timer = (kind: string) => t.db.queueTimer.findUnique({ where: { kind_refId: { kind, refId: waiting.entryId } } });
      assert.equal((await timer("max-wait"))?.dueAt.getTime(), local("2026-12-02T08:10:00"));
      assert.equal((await timer("overflow"))?.dueAt.getTime(), local("2026-12-02T08:01:30"));

      at("2026-12-02T08:00:30");
      await admin.queueAdmin.saveRules({ queueId: main, rules: { ...rules, maxWaitSec: 60, overflowQueueId: null, overflowAfterSec: null } });
      assert.equal((await timer("max-wait"))?.dueAt.getTime(), local("2026-12-02T08:01:00"), "the shorter maximum wait counts from when the driver entered");
      assert.equal(await timer("overflow"), null, "no overflow any more");
      at("2026-12-02T08:01:00");
      await svc.runDueTimers();
      const entry = await t.db.queueEntry.findUniqueOrThrow({ where: { id: waiting.entryId } });
      assert.deepEqual([entry.status, entry.callbackOffered, entry.overflowed], ["waiting", true, false], "offered a callback at the new maximum wait; never overflowed");
      await svc.abandon(waiting.entryId);
    });
  });
}
