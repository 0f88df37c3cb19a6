// The queue's routing rules at work, in real Chromium against the real product
// (one product process for the file): drivers enter through the insurer's REST
// API (the start form has its own test, queue-report.test.ts); agents go ready
// and answer on the real console pages; timers are the product's persistent
// jobs, waited for by polling. In order: a VIP overtakes a driver who came
// first; an offer nobody answers passes on to a second agent and the silent one
// is shown away; a returning policyholder reaches their previous agent although
// another agent has been idle longer; a queue whose overflow time passes with
// nobody of its group ready hands its driver to the overflow queue's agent; a
// driver who leaves and one who asks to be called back are counted on the
// wallboard (read through the admin router). Each case has its own queue and
// its own agents, so what one leaves behind cannot decide another.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import type { Page } from "playwright-core";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, loginAs } from "../support/survey-flow";
import { loginCookie, trpcCall } from "../support/trpc-http";
import { demoAccounts } from "../../server/db/seed-demo";
import { createDb, type Db } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { hashPassword } from "../../server/auth/password";
import { QueueService } from "../../server/queue/queue-service";
import { until } from "../support/until";

const session = browserSession();
const admin = demoAccounts.find((a) => a.email === "admin@example.com")!;
const agent2 = demoAccounts.find((a) => a.email === "agent2@example.com")!;
const PASSWORD = "routing-agent-2026";


let db: Db;
let svc: QueueService;
let adminCookie: string;

/** The product's own database, opened once the product has made it. */
function setUp() {
  if (db) return;
  db = createDb(databaseTarget(`file:${path.join(session.product.dataDir, "claims-survey.db")}`));
  svc = new QueueService({ db, provider: "sqlite" });
}

async function userId(email: string): Promise<string> {
  return (await db.user.findUniqueOrThrow({ where: { email } })).id;
}

/** A further agent account, as an admin would create it (the demo has two). */
async function newAgent(email: string, name: string): Promise<{ email: string; password: string; id: string }> {
  const u = await db.user.create({ data: { email, name, role: "agent", locale: "en", passwordHash: await hashPassword(PASSWORD) } });
  return { email, password: PASSWORD, id: u.id };
}

/** A queue's rules, saved through the admin router as the rules page does. */
async function saveRules(queueId: string, rules: Record<string, unknown>) {
  adminCookie ??= await loginCookie(session.product.url, admin.email, admin.password);
  const r = await trpcCall(session.product.url, "queueAdmin.saveRules", { queueId, rules }, { cookie: adminCookie });
  assert.equal(r.status, 200, r.text);
}

/** A driver put in the queue by the insurer's app; returns the entry and the driver's token. */
async function enterByApi(body: Record<string, unknown>): Promise<{ entryId: string; token: string; status: string }> {
  const res = await fetch(`${session.product.url}/api/v1/queue-entries`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${session.product.apiKey}` },
    body: JSON.stringify({ claimType: "motor_collision", policyholderMobile: "13700137000", ...body }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  const json = JSON.parse(text) as { entryId: string; joinUrl: string; status: string };
  return { entryId: json.entryId, token: json.joinUrl.split("/").pop()!, status: json.status };
}

/** An agent on the console, queue panel shown (away until they click ready). */
async function onConsole(account: { email: string; password: string }): Promise<Page> {
  const page = await session.newPage(desktopContext);
  await loginAs(page, session.product.url, account);
  await page.locator('[data-testid="queue-panel"][data-state="away"]').waitFor();
  return page;
}

/** Ready on the console; with drivers waiting the panel may go straight on to a ringing offer. */
async function goReady(page: Page) {
  await page.getByTestId("queue-ready").click();
  await page.locator('[data-testid="queue-panel"][data-state="ready"], [data-testid="queue-panel"][data-state="offered"]').first().waitFor();
}

/** Accepts the offer ringing on the console; returns the new survey's id. */
async function acceptOnConsole(page: Page): Promise<string> {
  await page.getByTestId("queue-accept").click();
  await page.waitForURL(/\/console\/surveys\/[^/]+$/);
  return page.url().split("/").pop()!;
}

const offeredReason = async (entryId: string, agentId: string) => {
  const ev = await db.queueEvent.findFirstOrThrow({ where: { entryId, agentId, type: "offered" }, orderBy: { at: "desc" } });
  return (JSON.parse(ev.payload) as { reason: string }).reason;
};

after(async () => {
  await db?.$disconnect();
});

test("a VIP entry overtakes a driver who entered first", { timeout: 600_000 }, async () => {
  setUp();
  const queue = await svc.createQueue("route-vip", { offerTimeoutSec: 300 });
  const agentId = await userId(agent1.email);
  await svc.upsertAgent({ userId: agentId, queueIds: [queue.id] });
  const agent = await onConsole(agent1);

  // Nobody ready: a normal driver, then a VIP driver.
  const normal = await enterByApi({ queue: "route-vip", plate: "沪A·V0001" });
  const vip = await enterByApi({ queue: "route-vip", plate: "沪A·V0002", vip: true });
  assert.deepEqual([normal.status, vip.status], ["waiting", "waiting"]);

  // The agent goes ready: the offer on the console is the VIP's.
  await goReady(agent);
  await agent.getByTestId("queue-offer").waitFor();
  assert.equal(await agent.getByTestId("queue-offer-plate").innerText(), "沪A·V0002");
  assert.equal(await agent.getByTestId("queue-offer-vip").count(), 1, "the card marks the VIP");
  const surveyId = await acceptOnConsole(agent);
  const survey = await db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: true } });
  assert.equal(survey.claim.plate, "沪A·V0002");
  assert.equal((await db.queueEntry.findUniqueOrThrow({ where: { id: normal.entryId } })).status, "waiting", "the first driver still waits");
});

test("an unanswered offer passes on to a second ready agent and the silent agent is shown away", { timeout: 600_000 }, async () => {
  setUp();
  const queue = await svc.createQueue("route-timeout", { offerTimeoutSec: 300 });
  // A short ring, set as an admin would (the offer's countdown is a persistent timer).
  await saveRules(queue.id, { offerTimeoutSec: 6 });
  const silentId = await userId(agent2.email);
  const second = await newAgent("agent-route-b@example.com", "Second Agent");
  await svc.upsertAgent({ userId: silentId, queueIds: [queue.id] });
  await svc.upsertAgent({ userId: second.id, queueIds: [queue.id] });
  const silent = await onConsole(agent2);
  const other = await onConsole(second);
  // The silent agent is ready first, so idle longest: the first offer is theirs.
  await goReady(silent);
  await goReady(other);

  const entry = await enterByApi({ queue: "route-timeout", plate: "沪A·T0001" });
  const first = await until("the first offer", () => db.queueOffer.findFirst({ where: { entryId: entry.entryId } }));
  assert.equal(first.agentId, silentId, "the longest idle agent is offered first");

  // Nobody answers: the ring runs out, the silent agent's console shows away, the offer rings for the other agent.
  await silent.locator('[data-testid="queue-panel"][data-state="away"]').waitFor();
  await other.getByTestId("queue-offer").waitFor();
  assert.equal(await other.getByTestId("queue-offer-plate").innerText(), "沪A·T0001");
  assert.equal((await db.queueOffer.findUniqueOrThrow({ where: { id: first.id } })).status, "timedout");
  assert.equal(await silent.getByTestId("queue-offer").count(), 0, "no offer rings for the away agent");
  const surveyId = await acceptOnConsole(other);
  assert.equal((await db.survey.findUniqueOrThrow({ where: { id: surveyId } })).agentId, second.id);
});

test("a returning policyholder reaches their previous agent although another agent is idle longer", { timeout: 600_000 }, async () => {
  setUp();
  const queue = await svc.createQueue("route-sticky", { offerTimeoutSec: 300, stickyDays: 7 });
  const previous = await newAgent("agent-route-x@example.com", "Previous Agent");
  const idle = await newAgent("agent-route-y@example.com", "Idle Agent");
  await svc.upsertAgent({ userId: previous.id, queueIds: [queue.id] });
  await svc.upsertAgent({ userId: idle.id, queueIds: [queue.id] });
  const x = await onConsole(previous);
  const y = await onConsole(idle);

  // The policyholder's first call: only the previous agent is ready, and answers it.
  await goReady(x);
  const firstCall = await enterByApi({ queue: "route-sticky", policyNumber: "PDAA202612030001", plate: "沪A·S0001" });
  await x.getByTestId("queue-offer").waitFor();
  const firstSurvey = await acceptOnConsole(x);
  assert.equal((await db.queueEntry.findUniqueOrThrow({ where: { id: firstCall.entryId } })).assignedAgentId, previous.id);

  // The other agent goes ready now, while the previous agent is still in that survey: idle longest.
  await goReady(y);
  // That survey ends (as its closing does on the server), and the previous agent goes ready from wrap-up.
  assert.ok(await svc.surveyEnded(firstSurvey));
  await x.goto(`${session.product.url}/console`);
  await x.locator('[data-testid="queue-panel"][data-state="wrapup"]').waitFor();
  await goReady(x);
  const [rx, ry] = await Promise.all([previous.id, idle.id].map((id) => db.queueAgent.findUniqueOrThrow({ where: { userId: id } })));
  assert.ok(ry!.readySince!.getTime() < rx!.readySince!.getTime(), "the other agent has been idle longer");

  // The same policyholder comes back (same policy number, a different phone): the previous agent's console rings.
  const back = await enterByApi({ queue: "route-sticky", policyNumber: "PDAA202612030001", plate: "沪A·S0001", policyholderMobile: "13600136000" });
  await x.getByTestId("queue-offer").waitFor();
  assert.equal(await x.getByTestId("queue-offer-policy").innerText(), "PDAA202612030001");
  assert.equal(await offeredReason(back.entryId, previous.id), "sticky");
  assert.equal(await y.getByTestId("queue-offer").count(), 0, "the longer idle agent is not offered the returning policyholder");
  assert.equal((await db.queueAgent.findUniqueOrThrow({ where: { userId: idle.id } })).state, "ready");
  const surveyId = await acceptOnConsole(x);
  assert.equal((await db.survey.findUniqueOrThrow({ where: { id: surveyId } })).agentId, previous.id);
});

test("overflow: with nobody of its group ready, the queue hands its driver to the overflow queue's agent after overflowAfterSec", { timeout: 600_000 }, async () => {
  setUp();
  const main = await svc.createQueue("route-main", { offerTimeoutSec: 300 });
  const spill = await svc.createQueue("route-spill", { offerTimeoutSec: 300 });
  const OVERFLOW_SEC = 8;
  await saveRules(main.id, { offerTimeoutSec: 300, overflowQueueId: spill.id, overflowAfterSec: OVERFLOW_SEC });
  // The main queue's own agent is away; the overflow queue's agent is ready on the console.
  const own = await newAgent("agent-route-main@example.com", "Main Agent");
  const spillAgent = await newAgent("agent-route-spill@example.com", "Overflow Agent");
  await svc.upsertAgent({ userId: own.id, queueIds: [main.id] });
  await svc.upsertAgent({ userId: spillAgent.id, queueIds: [spill.id] });
  const s = await onConsole(spillAgent);
  await goReady(s);

  const entry = await enterByApi({ queue: "route-main", plate: "沪A·O0001" });
  assert.equal(entry.status, "waiting", "not offered to the other group at once");
  await s.getByTestId("queue-offer").waitFor();
  assert.equal(await s.getByTestId("queue-offer-plate").innerText(), "沪A·O0001");
  const row = await db.queueEntry.findUniqueOrThrow({ where: { id: entry.entryId } });
  const offer = await db.queueOffer.findFirstOrThrow({ where: { entryId: entry.entryId } });
  assert.ok(offer.offeredAt.getTime() - row.enteredAt.getTime() >= OVERFLOW_SEC * 1000, "offered only once the overflow time had passed");
  assert.equal(await offeredReason(entry.entryId, spillAgent.id), "overflow");
  assert.equal(row.overflowed, true);
  const surveyId = await acceptOnConsole(s);
  assert.equal((await db.survey.findUniqueOrThrow({ where: { id: surveyId } })).agentId, spillAgent.id);
});

test("a driver who leaves and one who asks for a callback are counted on the wallboard", { timeout: 600_000 }, async () => {
  setUp();
  const queue = await svc.createQueue("route-leave", {});
  const wallboard = async () => {
    adminCookie ??= await loginCookie(session.product.url, admin.email, admin.password);
    const r = await trpcCall(session.product.url, "queueAdmin.wallboard", { timeZone: "Asia/Shanghai" }, { kind: "query", cookie: adminCookie });
    assert.equal(r.status, 200, r.text);
    const board = r.body.result!.data.json as { queues: { queueId: string; waiting: number; callbacksWaiting: number; today: { entered: number; abandoned: number; callbacksRequested: number; abandonmentRate: number | null } }[] };
    return board.queues.find((q) => q.queueId === queue.id)!;
  };
  const before = await wallboard();
  assert.deepEqual([before.today.entered, before.today.abandoned, before.today.callbacksRequested], [0, 0, 0]);

  // Two drivers wait on their phones (nobody serves this queue).
  const leaver = await enterByApi({ queue: "route-leave", plate: "沪A·L0001" });
  const caller = await enterByApi({ queue: "route-leave", plate: "沪A·L0002", policyholderMobile: "13500135000" });
  const leaving = await session.newPage(phoneContext);
  await leaving.goto(`${session.product.url}/report/wait/${leaver.token}`);
  await leaving.locator('[data-testid="queue-waiting"][data-status="waiting"][data-position="1"]').waitFor();
  const calling = await session.newPage(phoneContext);
  await calling.goto(`${session.product.url}/report/wait/${caller.token}`);
  await calling.locator('[data-testid="queue-waiting"][data-status="waiting"][data-position="2"]').waitFor();
  assert.equal((await wallboard()).waiting, 2);

  // One leaves, the other asks to be called back.
  await leaving.getByTestId("queue-leave").click();
  await leaving.locator('[data-testid="queue-ended"][data-reason="left"]').waitFor();
  await calling.getByTestId("queue-callback").click();
  await calling.locator('[data-testid="queue-waiting"][data-mode="callback"][data-status="waiting"]').waitFor();

  const after = await wallboard();
  assert.equal(after.today.entered, 2);
  assert.equal(after.today.abandoned, 2, "leaving and asking for a callback both leave the live queue");
  assert.equal(after.today.callbacksRequested, 1);
  assert.equal(after.today.abandonmentRate, 1);
  assert.equal(after.waiting, 0);
  assert.equal(after.callbacksWaiting, 1, "the callback waits for the next free agent");
});
