// Load on both databases, with the clock driven (no sleeping): 300 drivers enter
// over 200 simulated seconds, 30 agents accept, decline and let offers lapse, all
// at once through two routers on the same database, each router the product's
// QueueService in a separate process (tests/queue/queue-router-process.ts): on
// SQLite, the embedded single-process default, one process with two routers on
// its one connection; on PostgreSQL two processes, as two servers. Three quarters
// into the arrivals the router processes are killed (SIGKILL) in the middle of a
// step, with calls in flight (transactions open, offers being made, surveys half
// built), and new processes take over, starting as the product does (finishing
// interrupted answers, a grace period for waiting pages): the entries, offers,
// agent states and timers are all rows.
// Checked from the stored rows and events: nobody is offered to two agents or
// answered twice, no agent holds two, nobody is lost, VIPs go first, returning
// policyholders are kept for their previous agent within the sticky window, and
// the wallboard's figures (from the events) equal a recount from the entries.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { QueueError } from "../../server/queue/queue-errors";
import { loadWallboard } from "../../server/queue/wallboard";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { DrivenClock, T0, makeAgents } from "./queue-fixtures";
import { RouterProcesses } from "./queue-router-processes";
import { seededRandom } from "../support/seeded-random";

// Issue 14's load: 300 drivers and 30 agents over a few minutes of simulated time.
const DRIVERS = 300;
const AGENTS = 30;
const RETURNING = DRIVERS / 10;
const STICKY_WAIT_SEC = 60;
/** Drivers arrive over this many simulated seconds: 1.5 a second, twice what 30 agents answer, so a queue builds. */
const ARRIVALS_SEC = 200;
/** Three quarters into the arrivals, with the queue long and every kind of operation in flight. */
const RESTART_AT_SEC = 150;
const GIVE_UP_SEC = 1800;


interface PlannedDriver {
  at: number;
  vip: boolean;
  policyNumber: string;
  abandonAfter: number | null;
  entryId?: string;
}

type AgentPlan = { action: "accept" | "decline" | "ignore"; at: number };

function expected(err: unknown): boolean {
  return err instanceof QueueError;
}

// The two databases side by side: each run spends most of its time waiting on its
// router processes and its database, so together they take little longer than one.
describe("queue under load", { concurrency: true }, () => {
  for (const kind of databaseKinds) {
    describe(`queue under load (${kind})`, { timeout: 20 * 60_000 }, () => {
      let t: TestDatabase;
      let product: RouterProcesses | undefined;
      before(async () => {
        t = await freshDatabase(kind);
      });
      after(async () => {
        await product?.stop();
        await t?.drop();
      });

      it(`${DRIVERS} drivers, ${AGENTS} agents, two routers, a restart mid-step: no double assignment, nobody lost, VIP first, stickiness kept`, async () => {
        const rnd = seededRandom(kind === "sqlite" ? 14 : 41);
        const clock = new DrivenClock();
        product = await RouterProcesses.start(t.url, kind, clock);
        let routers = product.routers;
        const queueId = (await routers[0]!.createQueue("load", { offerTimeoutSec: 15, wrapUpSec: 5, stickyWaitSec: STICKY_WAIT_SEC, stickyDays: 7 })).id;
        const agents = await makeAgents(t.db, routers[0]!, `load-${kind}-`, AGENTS, [queueId]);

        // Returning policyholders: each answered by a known agent yesterday.
        const previousAgent = new Map<string, string>();
        for (let i = 0; i < RETURNING; i++) {
          const policyNumber = `RET-${i}`;
          const agentId = agents[(i * 7) % AGENTS]!;
          previousAgent.set(policyNumber, agentId);
          await t.db.queueEntry.create({
            data: { queueId, status: "answered", claimType: "motor_collision", language: "zh-CN", mobile: "13900000000", policyNumber, tokenHash: randomBytes(32).toString("hex"), surveyId: `history-${i}`, enteredAt: new Date(T0 - 86_400_000), answeredAt: new Date(T0 - 86_400_000 + 30_000), assignedAgentId: agentId },
          });
        }

        const drivers: PlannedDriver[] = Array.from({ length: DRIVERS }, (_, i) => ({
          at: Math.floor((i * ARRIVALS_SEC) / DRIVERS),
          vip: rnd() < 0.1,
          policyNumber: i % 10 === 3 ? `RET-${(i / 10) | 0}` : `NEW-${i}`,
          abandonAfter: rnd() < 0.05 ? 10 + Math.floor(rnd() * 60) : null,
        }));
        const plans = new Map<string, AgentPlan>();
        const busyUntil = new Map<string, number>();
        const readyAt = new Map<string, number>(agents.map((a) => [a, Math.floor(rnd() * 10)]));
        let maxPendingPerAgent = 0;
        let maxPendingPerEntry = 0;
        let restartErrors = 0;
        let repaired = 0;
        let cutByCrash = 0;
        let restarted = false;

        const router = () => routers[Math.floor(rnd() * routers.length)]!;
        const stepOps = async (sec: number): Promise<Promise<unknown>[]> => {
          const ops: Promise<unknown>[] = [];
          const guard = (p: Promise<unknown>) =>
            ops.push(
              p.catch((err) => {
                if (expected(err)) return;
                if (sec < RESTART_AT_SEC || restarted) console.error(`step ${sec}: ${(err as Error).message}`);
                throw err;
              }),
            );
          for (const d of drivers) {
            if (d.at === sec) guard(router().enter({ queueId, claimType: "motor_collision", language: "zh-CN", mobile: "13800000000", policyNumber: d.policyNumber, vip: d.vip }).then((r) => (d.entryId = r.entryId)));
            if (d.entryId && d.abandonAfter !== null && d.at + d.abandonAfter === sec) guard(router().abandon(d.entryId));
          }
          const states = await t.db.queueAgent.findMany();
          for (const a of states) {
            if (a.state === "away" && (readyAt.get(a.userId) ?? Infinity) <= sec) {
              readyAt.delete(a.userId);
              guard(router().setReady(a.userId));
            } else if (a.state === "away" && !readyAt.has(a.userId)) {
              readyAt.set(a.userId, sec + 20); // back at the desk after a while
            }
            // A finish lost in the crash: the agent's console still shows the survey, and they finish it again.
            if (a.state === "busy" && !busyUntil.has(a.userId)) busyUntil.set(a.userId, sec + 1);
            if (a.state === "busy" && (busyUntil.get(a.userId) ?? Infinity) <= sec) {
              busyUntil.delete(a.userId);
              guard(router().finishWork(a.userId, queueId));
            }
          }
          const pending = await t.db.queueOffer.findMany({ where: { status: "pending" } });
          const perAgent = new Map<string, number>();
          const perEntry = new Map<string, number>();
          for (const o of pending) {
            perAgent.set(o.agentId, (perAgent.get(o.agentId) ?? 0) + 1);
            perEntry.set(o.entryId, (perEntry.get(o.entryId) ?? 0) + 1);
            let plan = plans.get(o.id);
            if (!plan) {
              const r = rnd();
              plan = { action: r < 0.7 ? "accept" : r < 0.85 ? "decline" : "ignore", at: sec + 1 + Math.floor(rnd() * 5) };
              plans.set(o.id, plan);
            }
            if (plan.at !== sec || plan.action === "ignore") continue;
            if (plan.action === "accept") {
              busyUntil.set(o.agentId, sec + 10 + Math.floor(rnd() * 20)); // a short call: 30 agents then answer about one driver a second, fewer than arrive
              guard(router().accept(o.id, o.agentId));
            } else guard(router().decline(o.id, o.agentId));
          }
          maxPendingPerAgent = Math.max(maxPendingPerAgent, ...perAgent.values(), 0);
          maxPendingPerEntry = Math.max(maxPendingPerEntry, ...perEntry.values(), 0);
          for (const r of routers) guard(r.runDueTimers());
          return ops;
        };

        let sec = 0;
        for (; sec < GIVE_UP_SEC; sec++) {
          clock.ms = T0 + sec * 1000;
          const ops = await stepOps(sec);
          if (sec >= RESTART_AT_SEC && !restarted) {
            // The crash: once a third of the step's calls are answered, the router processes are
            // SIGKILLed with the rest in flight; those fail, as requests do when their server dies.
            // A step whose calls all came back before the kill (on PostgreSQL they can arrive
            // together) has nothing to cut: the crash then comes in the next step.
            let settledCount = 0;
            const tracked = ops.map((p) => p.then(() => undefined, () => void restartErrors++).finally(() => settledCount++));
            while (settledCount < ops.length / 3) await new Promise((r) => setTimeout(r, 5));
            if (product.inFlight === 0) {
              await Promise.all(ops);
            } else {
              restarted = true;
              cutByCrash = product.inFlight;
              await product.kill();
              await Promise.all(tracked);
              // The restart, as the product starts: answers the crash left half-done are finished and
              // waiting pages get their grace period (server/queue/queue-timer-loop.ts), then timers run.
              product = await RouterProcesses.start(t.url, kind, clock);
              routers = product.routers;
              repaired = await routers[0]!.repairAnswered();
              await routers[0]!.graceAfterStart();
              await routers[0]!.runDueTimers();
            }
          } else {
            await Promise.all(ops);
          }
          if (sec > ARRIVALS_SEC) {
            const open = await t.db.queueEntry.count({ where: { status: { in: ["waiting", "offered"] } } });
            const busy = await t.db.queueAgent.count({ where: { state: { in: ["busy", "offered"] } } });
            if (open === 0 && busy === 0) break;
          }
        }
        if (sec >= GIVE_UP_SEC) {
          const stuckEntries = await t.db.queueEntry.findMany({ where: { status: { in: ["waiting", "offered"] } }, select: { id: true, status: true, assignedAgentId: true, passedBy: true } });
          const stuckAgents = await t.db.queueAgent.findMany({ where: { state: { in: ["busy", "offered"] } }, select: { userId: true, state: true, stateSince: true } });
          const pendingOffers = await t.db.queueOffer.findMany({ where: { status: "pending" } });
          const timers = await t.db.queueTimer.findMany();
          assert.fail(`the queue did not drain within ${GIVE_UP_SEC} simulated seconds: ${JSON.stringify({ stuckEntries, stuckAgents, pendingOffers, timers })}`);
        }

        // --- Counted from the stored rows and events ---
        const entries = await t.db.queueEntry.findMany({ where: { enteredAt: { gte: new Date(T0) } } });
        const offers = await t.db.queueOffer.findMany();
        const events = await t.db.queueEvent.findMany({ orderBy: [{ at: "asc" }, { id: "asc" }] });
        const entered = drivers.filter((d) => d.entryId).length;

        // Nobody lost: every planned driver entered (an enter cut by the crash is retried by the phone, see below) and ended answered or abandoned.
        const unresolved = drivers.filter((d) => !d.entryId);
        for (const d of unresolved) {
          // The phone whose request died in the crash tries again, as the waiting page does.
          d.entryId = (await routers[0]!.enter({ queueId, claimType: "motor_collision", language: "zh-CN", mobile: "13800000000", policyNumber: d.policyNumber, vip: d.vip })).entryId;
        }
        // Every acknowledged entry is stored; beyond those, only entries whose acknowledgement died in the crash.
        assert.ok(entries.length >= entered && entries.length <= entered + restartErrors, `stored ${entries.length}, acknowledged ${entered}, lost in the crash ${restartErrors}`);
        for (const e of entries) assert.ok(["answered", "abandoned"].includes(e.status), `entry ${e.id} ended ${e.status}`);
        const enteredEvents = new Set(events.filter((e) => e.type === "entered").map((e) => e.entryId));
        for (const e of entries) assert.ok(enteredEvents.has(e.id), `entry ${e.id} has its entered event`);

        // No double assignment.
        assert.equal(maxPendingPerAgent, 1, "an agent never had two offers ringing");
        assert.equal(maxPendingPerEntry, 1, "an entry was never ringing at two agents");
        const acceptedByEntry = new Map<string, string[]>();
        for (const o of offers.filter((o) => o.status === "accepted")) acceptedByEntry.set(o.entryId, [...(acceptedByEntry.get(o.entryId) ?? []), o.agentId]);
        for (const e of entries.filter((e) => e.status === "answered")) {
          assert.deepEqual(acceptedByEntry.get(e.id), [e.assignedAgentId], `entry ${e.id} answered by exactly its one agent`);
          assert.ok(e.surveyId, `entry ${e.id} has its survey`);
        }
        assert.equal(events.filter((e) => e.type === "answered").length, entries.filter((e) => e.status === "answered").length);
        // An agent answers again only after the previous survey's wrap-up.
        const byAgent = new Map<string, string[]>();
        for (const e of events) {
          if (!e.agentId) continue;
          const mark = e.type === "answered" ? "A" : e.type === "agent.state" && e.payload.includes('"wrapup"') ? "W" : null;
          if (mark) byAgent.set(e.agentId, [...(byAgent.get(e.agentId) ?? []), mark]);
        }
        for (const [agentId, marks] of byAgent) assert.ok(!marks.join("").includes("AA"), `agent ${agentId} held two surveys at once`);
        const surveys = await t.db.survey.count({ where: { id: { in: entries.flatMap((e) => (e.surveyId ? [e.surveyId] : [])) } } });
        assert.equal(surveys, entries.filter((e) => e.status === "answered").length, "one survey per answered entry");

        // VIP first: a non-VIP was never offered (by free choice) while a VIP, waiting since an earlier second, could have gone to that agent.
        const entryById = new Map(entries.map((e) => [e.id, e]));
        const history = new Map<string, { at: number; type: string; agentId: string | null }[]>();
        for (const e of events) if (e.entryId) history.set(e.entryId, [...(history.get(e.entryId) ?? []), { at: e.at.getTime(), type: e.type, agentId: e.agentId }]);
        const waitingAt = (id: string, at: number) => {
          const before = (history.get(id) ?? []).filter((h) => h.at < at);
          const last = before.at(-1);
          // Everything in one step carries the step's time, so an entry with an event of its own in
          // the same step (offered, abandoned, declined, ...) may have changed before or after that
          // step's routing read: only an entry that waited from an earlier step into this one, untouched, counts.
          return last !== undefined && ["entered", "declined", "timedout"].includes(last.type) && !(history.get(id) ?? []).some((h) => h.at === at);
        };
        const passedAt = (id: string, agentId: string, at: number) => (history.get(id) ?? []).some((h) => h.at <= at && h.agentId === agentId && (h.type === "declined" || h.type === "timedout"));
        const reservedAt = (id: string, at: number) => {
          const e = entryById.get(id)!;
          return e.stickyAgentId !== null && at < e.enteredAt.getTime() + STICKY_WAIT_SEC * 1000 && !passedAt(id, e.stickyAgentId, at);
        };
        const vips = entries.filter((e) => e.vip);
        let vipChecks = 0;
        for (const ev of events.filter((e) => e.type === "offered" && !e.payload.includes('"sticky"'))) {
          const target = entryById.get(ev.entryId!)!;
          if (target.vip) continue;
          const at = ev.at.getTime();
          for (const v of vips) {
            if (v.id === target.id || !waitingAt(v.id, at) || reservedAt(v.id, at) || passedAt(v.id, ev.agentId!, at)) continue;
            assert.fail(`non-VIP ${target.id} offered to ${ev.agentId} at +${(at - T0) / 1000}s while VIP ${v.id} waited`);
          }
          vipChecks++;
        }
        const meanWait = (list: typeof entries) => list.reduce((s, e) => s + (e.answeredAt!.getTime() - e.enteredAt.getTime()), 0) / list.length;
        const answered = entries.filter((e) => e.status === "answered");
        const vipWait = meanWait(answered.filter((e) => e.vip));
        const plainWait = meanWait(answered.filter((e) => !e.vip));

        // Stickiness: a returning policyholder's offers within the window went to their previous agent only.
        const returning = entries.filter((e) => e.policyNumber?.startsWith("RET-"));
        assert.ok(returning.every((e) => e.stickyAgentId === previousAgent.get(e.policyNumber!)), "returning policyholders know their last agent");
        for (const ev of events.filter((e) => e.type === "offered")) {
          const e = entryById.get(ev.entryId!)!;
          if (!e.stickyAgentId) continue;
          if (reservedAt(e.id, ev.at.getTime())) assert.equal(ev.agentId, e.stickyAgentId, `returning ${e.id} offered to another agent within the sticky window`);
        }
        const keptAgent = returning.filter((e) => e.status === "answered" && e.assignedAgentId === e.stickyAgentId).length;

        // Survey timelines hold the queue events.
        const sample = answered;
        for (const e of sample) {
          const types = (await t.db.surveyEvent.findMany({ where: { surveyId: e.surveyId! }, select: { type: true } })).map((x) => x.type);
          const own = await t.db.queueEvent.findMany({ where: { entryId: e.id }, select: { type: true, surveyId: true, at: true } });
          assert.ok(types.includes("queue.entered") && types.includes("queue.answered"), `survey of ${e.id} carries its queue events: ${JSON.stringify({ types, own })}`);
        }

        // The wallboard's figures for the day (from the events) equal a recount from the entries' own rows.
        const board = await loadWallboard(t.db, clock.now(), "Asia/Shanghai");
        const inDay = (d: Date | null) => d !== null && d.getTime() >= board.fromMs && d.getTime() < board.toMs;
        const liveAnswered = entries.filter((e) => e.mode === "live" && e.status === "answered" && inDay(e.answeredAt));
        const liveAbandoned = entries.filter((e) => e.mode === "live" && e.status === "abandoned" && inDay(e.endedAt));
        const waits = liveAnswered.map((e) => e.answeredAt!.getTime() - e.enteredAt.getTime());
        const today = board.total.today;
        assert.deepEqual(
          [today.answered, today.abandoned, today.answeredWithinServiceLevel],
          [liveAnswered.length, liveAbandoned.length, waits.filter((w) => w <= 20_000).length],
          "the wallboard counts what the rows say",
        );
        assert.ok(Math.abs(today.averageSpeedOfAnswerSec! - waits.reduce((s, w) => s + w, 0) / waits.length / 1000) < 1e-9, "average speed of answer");
        assert.equal(today.abandonmentRate, liveAbandoned.length / (liveAnswered.length + liveAbandoned.length));

        console.log(JSON.stringify({
          kind, drainedAtSec: sec, entries: entries.length, answered: answered.length, abandoned: entries.length - answered.length,
          offers: offers.length, accepted: offers.filter((o) => o.status === "accepted").length, declined: offers.filter((o) => o.status === "declined").length,
          timedout: offers.filter((o) => o.status === "timedout").length, vipChecks, vipMeanWaitSec: vipWait / 1000, plainMeanWaitSec: plainWait / 1000,
          returning: returning.length, keptPreviousAgent: keptAgent, restartErrors, cutByCrash, repairedAfterRestart: repaired, reenteredAfterRestart: unresolved.length,
          wallboard: { serviceLevel: today.serviceLevel, asaSec: today.averageSpeedOfAnswerSec, abandonmentRate: today.abandonmentRate, ahtSec: today.averageHandlingSec },
        }));
        assert.ok(cutByCrash > 0, "the crash cut calls in flight");
        assert.ok(vipWait < plainWait, "VIPs wait less on average");
        assert.ok(offers.some((o) => o.status === "timedout") && offers.some((o) => o.status === "declined"), "the load had declines and lapses");
      });
    });
  }
});
