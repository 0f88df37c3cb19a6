// POST /api/v1/queue-entries and GET to poll it, against the real product process
// (its own timer loop running the persistent timers in real time). The queue and
// the agent's side are set up through the queue service on the product's own
// database file, as the admin and the agent console will.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, test } from "node:test";
import { hashToken } from "../../server/auth/secret-token";
import { createDb, type Db } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { QueueService } from "../../server/queue/queue-service";
import { startProductProcess, type RunningProduct } from "../support/product-process";

let product: RunningProduct;
let db: Db;
let svc: QueueService;
let agentId: string;

before(async () => {
  product = await startProductProcess({ pages: "none" });
  db = createDb(databaseTarget(`file:${path.join(product.dataDir, "claims-survey.db")}`));
  svc = new QueueService({ db, provider: "sqlite" });
  await svc.createQueue("motor-claims", { offerTimeoutSec: 3, wrapUpSec: 5 });
  agentId = (await db.user.findUniqueOrThrow({ where: { email: "agent2@example.com" } })).id;
  await svc.upsertAgent({ userId: agentId, queueIds: [(await db.queue.findUniqueOrThrow({ where: { name: "motor-claims" } })).id] });
});
after(async () => {
  await db?.$disconnect();
  await product?.stop();
});

const goodBody = { queue: "motor-claims", policyNumber: "PDAA202612020001", claimType: "motor_collision", policyholderMobile: "+8613800138000", language: "en", vip: true };

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${product.url}/api/v1/queue-entries`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
const get = (id: string) => fetch(`${product.url}/api/v1/queue-entries/${id}`, { headers: { Authorization: `Bearer ${product.apiKey}` } });

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test("no or a wrong API key gets 401", async () => {
  const none = await fetch(`${product.url}/api/v1/queue-entries`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(goodBody) });
  assert.equal(none.status, 401);
  assert.equal((await post(goodBody, { Authorization: "Bearer nope" })).status, 401);
  assert.equal((await fetch(`${product.url}/api/v1/queue-entries/abc`)).status, 401);
});

test("bad input gets 400 naming each field, in the caller's language", async () => {
  const r = await post({ queue: "motor-claims", claimType: "boat", policyholderMobile: "12345" }, { "Accept-Language": "zh-CN" });
  assert.equal(r.status, 400);
  const body = await r.json();
  assert.equal(body.error.code, "VALIDATION_FAILED");
  assert.deepEqual(body.error.fields.map((f: { field: string }) => f.field).sort(), ["claimType", "policyNumber", "policyholderMobile"]);
  const policy = body.error.fields.find((f: { field: string }) => f.field === "policyNumber");
  assert.equal(policy.message, "保单号：请填写保单号或车牌号");
  const noQueue = await post({ ...goodBody, queue: "no-such-queue" });
  assert.equal(noQueue.status, 400);
  assert.deepEqual((await noQueue.json()).error.fields, [{ field: "queue", code: "noQueue", message: "Queue: There is no queue with this name." }]);
  const noAgent = await post({ ...goodBody, preferredAgentEmail: "ghost@example.com" });
  assert.equal(noAgent.status, 400);
  assert.equal((await noAgent.json()).error.fields[0].field, "preferredAgentEmail");
  const noQueueZh = await post({ ...goodBody, queue: "no-such-queue" }, { "Accept-Language": "zh-CN" });
  assert.deepEqual((await noQueueZh.json()).error.fields, [{ field: "queue", code: "noQueue", message: "队列：没有这个名称的队列。" }]);
  // Other shapes a caller's bug sends: each a 400 with a code, never a 500.
  for (const odd of [[], null, JSON.stringify("a JSON string"), 7, { ...goodBody, vip: "yes" }, { ...goodBody, language: "fr" }, { ...goodBody, preferredAgentEmail: "not-an-email" }]) {
    const r = await post(odd);
    assert.equal(r.status, 400, `${JSON.stringify(odd)} is refused`);
    assert.equal((await r.json()).error.code, "VALIDATION_FAILED");
  }
  const badKey = await post(goodBody, { "Idempotency-Key": "x".repeat(300) });
  assert.equal(badKey.status, 400);
  assert.equal((await badKey.json()).error.fields[0].field, "Idempotency-Key");
  assert.equal((await post("{not json")).status, 400);
  assert.equal((await post(goodBody, { "Content-Type": "text/plain" })).status, 415);
  assert.equal((await get("no-such-entry")).status, 404);
});

// Words that would mean internal text leaked out (as tests/api/bad-input.test.ts).
const INTERNAL = /prisma|invalid `|sqlite|postgres|"stack"|at \w+ \(|\/work\/|node_modules|URIError|TypeError|ZodError|invalid_type|expected string/i;

test("the security probe's inputs get a 400 naming the field, in the caller's language, with no internal text", async () => {
  const json = (patch: string) => `{"queue":"motor-claims","claimType":"motor_collision","policyholderMobile":"+8613800138000",${patch}}`;
  const cases: [string, string, string, string][] = [
    [json(`"plate":"A\\uD800"`), "plate", "malformedText", "en"],
    [json(`"policyNumber":"PD1","policyholderName":"Li\\u0000Wei"`), "policyholderName", "unsafeText", "zh-CN"],
    [json(`"policyNumber":"PD1","region":"上海\\u202E市"`), "region", "unsafeText", "en"],
    [json(`"policyNumber":"PD1","externalRef":"x\\uDC00"`), "externalRef", "malformedText", "zh-CN"],
  ];
  for (const [body, field, code, lang] of cases) {
    const r = await post(body, { "Accept-Language": lang });
    const text = await r.text();
    assert.equal(r.status, 400, text);
    assert.doesNotMatch(text, INTERNAL, text);
    const f = JSON.parse(text).error.fields.find((x: { field: string }) => x.field === field);
    assert.ok(f, `${field} named in ${text}`);
    assert.equal(f.code, code, text);
    if (lang === "zh-CN") assert.match(f.message, /：/, text);
  }
});

test("an entry waits with its position, an unanswered offer passes on by the server's timer, an accepted one becomes the driver's survey", async () => {
  const key = `queue-entry-${Date.now()}`;
  const first = await post(goodBody, { "Idempotency-Key": key });
  assert.equal(first.status, 201);
  const created = await first.json();
  assert.equal(first.headers.get("location"), `/api/v1/queue-entries/${created.entryId}`);
  assert.equal(created.status, "waiting");
  assert.equal(created.position, 1);
  assert.equal(created.vip, true);
  assert.match(created.joinUrl, /\/join\/[A-Za-z0-9_-]+$/);
  const replay = await post(goodBody, { "Idempotency-Key": key });
  assert.equal(replay.headers.get("idempotent-replayed"), "true");
  assert.equal((await replay.json()).entryId, created.entryId, "a retried POST enters the driver once");
  assert.equal(await db.queueEntry.count(), 1);

  // Ready, but the offer rings out: the product's timer loop passes it on and marks the agent away.
  // (The offer may be made by this router or by the product's: both route on the same database.)
  await svc.setReady(agentId);
  const offer = await until("the offer", () => db.queueOffer.findFirst({ where: { agentId, status: "pending" } }));
  assert.equal(offer.entryId, created.entryId);
  await until("the offer to lapse", async () => (await db.queueAgent.findUniqueOrThrow({ where: { userId: agentId } })).state === "away");
  assert.equal((await db.queueOffer.findUniqueOrThrow({ where: { id: offer.id } })).status, "timedout");
  const waitingAgain = await (await get(created.entryId)).json();
  assert.equal(waitingAgain.status, "waiting");

  // A passed-on entry is not offered to the same agent again; a colleague gets it.
  await svc.setReady(agentId);
  const colleague = (await db.user.findUniqueOrThrow({ where: { email: "agent1@example.com" } })).id;
  await svc.upsertAgent({ userId: colleague, queueIds: [(await db.queue.findUniqueOrThrow({ where: { name: "motor-claims" } })).id] });
  await svc.setReady(colleague);
  const again = await until("the colleague's offer", () => db.queueOffer.findFirst({ where: { agentId: colleague, status: "pending" } }));
  assert.equal(again.entryId, created.entryId);
  assert.equal(await db.queueOffer.count({ where: { agentId } }), 1, "nothing rang again at the agent who let it lapse");
  const { surveyId } = await svc.accept(again.id, colleague);

  const answered = await (await get(created.entryId)).json();
  assert.equal(answered.status, "answered");
  assert.equal(answered.surveyId, surveyId);
  assert.equal(answered.agent.email, "agent1@example.com");
  const token = created.joinUrl.split("/join/")[1];
  const invite = await db.invite.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
  assert.equal(invite.surveyId, surveyId, "the link the app got joins the survey: no second SMS");
  const survey = await fetch(`${product.url}/api/v1/surveys/${surveyId}`, { headers: { Authorization: `Bearer ${product.apiKey}` } });
  assert.equal(survey.status, 200);
  assert.equal((await survey.json()).claim.policyNumber, "PDAA202612020001");
  const timeline = (await db.surveyEvent.findMany({ where: { surveyId }, orderBy: { seq: "asc" } })).map((e) => e.type).filter((x) => x.startsWith("queue."));
  assert.deepEqual(timeline, ["queue.entered", "queue.offered", "queue.timedout", "queue.offered", "queue.answered"]);

  // Transferred to the first agent (ready again): the claims system sees who has the survey now, and who answered.
  const transfer = await svc.transfer(surveyId, { agentId });
  assert.ok(transfer.offerId, "the transfer rings at the ready agent");
  await svc.accept(transfer.offerId, agentId);
  const handedOver = await (await get(created.entryId)).json();
  assert.equal(handedOver.agent.email, "agent2@example.com");
  assert.equal(handedOver.answeredBy.email, "agent1@example.com");
});
