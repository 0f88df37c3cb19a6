// Abuse limits over real HTTP and WebSocket of a running product: cross-site requests
// and sockets refused by Origin, the tRPC batch cap, log-in throttling per account and
// per client address with back-off and a translated lock-out notice.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import superjson from "superjson";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { loginCookie, trpcCall } from "../support/trpc-http";

let product: RunningProduct;
let agentCookie: string;
let surveyId: string;
const CRM = "https://crm.example.com";

before(async () => {
  product = await startProductProcess({
    pages: "none",
    env: { ALLOWED_ORIGINS: CRM, LOGIN_LOCKOUT_BASE_SECONDS: "4", LOGIN_FREE_FAILURES_PER_ACCOUNT: "5", LOGIN_FREE_FAILURES_PER_ADDRESS: "30" },
  });
  agentCookie = await loginCookie(product.url, "agent1@example.com", "agent-demo-2026");
  ({ surveyId } = await createSurveyViaApi(product, {}, { agentEmail: "agent1@example.com" }));
});
after(() => product.stop());

const me = () => trpcCall(product.url, "auth.me", undefined, { kind: "query", cookie: agentCookie });

test("a state-changing request from another site is refused; the session survives", async () => {
  const evil = await trpcCall(product.url, "auth.logout", undefined, { cookie: agentCookie, headers: { Origin: "http://evil.example", "Accept-Language": "zh-CN" } });
  assert.equal(evil.status, 403, evil.text);
  assert.equal((evil.body as unknown as { error: { code: string } }).error.code, "CROSS_ORIGIN");
  assert.match(evil.text, /来自其他网站/);
  // The classic CSRF shape: a cross-site HTML form post.
  const form = await fetch(`${product.url}/api/trpc/auth.logout`, {
    method: "POST",
    headers: { Cookie: agentCookie, Origin: "http://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
    body: "a=1",
  });
  assert.equal(form.status, 403);
  // No Origin, but the browser says the request is cross-site.
  const fetchMeta = await trpcCall(product.url, "auth.logout", undefined, { cookie: agentCookie, headers: { "Sec-Fetch-Site": "cross-site" } });
  assert.equal(fetchMeta.status, 403);
  const nullOrigin = await trpcCall(product.url, "auth.logout", undefined, { cookie: agentCookie, headers: { Origin: "null" } });
  assert.equal(nullOrigin.status, 403);
  assert.equal((await me()).status, 200, "still logged in");
  // Reads are not state-changing: a cross-origin GET is answered (the browser keeps the answer from the page).
  assert.equal((await trpcCall(product.url, "auth.me", undefined, { kind: "query", cookie: agentCookie, headers: { Origin: "http://evil.example" } })).status, 200);
  // Our own origin and the configured CRM origin may.
  const own = await trpcCall(product.url, "surveys.list", undefined, { kind: "query", cookie: agentCookie, headers: { Origin: product.url } });
  assert.equal(own.status, 200);
  const crm = await trpcCall(product.url, "surveys.get", { surveyId }, { kind: "query", cookie: agentCookie, headers: { Origin: CRM } });
  assert.equal(crm.status, 200, crm.text);
});

function openSocket(headers: Record<string, string>): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${product.url.replace("http", "ws")}/ws/survey?surveyId=${surveyId}`, { headers });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once("error", reject);
  });
}

test("the signalling socket is refused to another site's page even with the staff cookie", async () => {
  const evil = await openSocket({ Cookie: agentCookie, Origin: "http://evil.example" });
  assert.deepEqual(evil, { status: 403 });
  const own = await openSocket({ Cookie: agentCookie, Origin: product.url });
  assert.ok("ws" in own, "our own page opens it");
  own.ws.close();
  const crm = await openSocket({ Cookie: agentCookie, Origin: CRM });
  assert.ok("ws" in crm, "an allowed origin opens it");
  crm.ws.close();
});

test("one batched request cannot carry more than the cap of calls", async () => {
  const calls = 17;
  const inputs = Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, superjson.serialize({ email: "admin@example.com", password: `wrong-${i}` })]));
  const r = await fetch(`${product.url}/api/trpc/${Array(calls).fill("auth.login").join(",")}?batch=1`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(inputs),
  });
  const text = await r.text();
  assert.equal(r.status, 400, text);
  assert.match(text, /Too many calls in one request/);
  // A batch within the cap still works (the pages batch up to 8).
  const ok = await fetch(`${product.url}/api/trpc/auth.me,auth.me?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { json: null }, 1: { json: null } }))}`, { headers: { Cookie: agentCookie } });
  assert.equal(ok.status, 200);
});

test("parallel log-in attempts in one batch see each other: no more than the free failures reach the password check", async () => {
  const calls = 8;
  const inputs = Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, superjson.serialize({ email: "auditor@example.com", password: `wrong-${i}` })]));
  const r = await fetch(`${product.url}/api/trpc/${Array(calls).fill("auth.login").join(",")}?batch=1`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(inputs) });
  const answers = (await r.json()) as { error?: { json: { data: { code: string } } } }[];
  const codes = answers.map((a) => a.error?.json.data.code);
  assert.equal(codes.filter((c) => c === "UNAUTHORIZED").length, 5, codes.join(","));
  assert.equal(codes.filter((c) => c === "TOO_MANY_REQUESTS").length, 3, codes.join(","));
});

async function login(email: string, password: string, lang = "en") {
  return trpcCall(product.url, "auth.login", { email, password }, { headers: { "Accept-Language": lang } });
}

async function untilLoggedIn(email: string, password: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await login(email, password);
    if (r.status === 200) return r;
    assert.equal(r.status, 429, r.text);
    assert.ok(Date.now() < deadline, "the lock-out ends");
    await new Promise((res) => setTimeout(res, 500));
  }
}

test("per account: after 5 wrong passwords even the right one is refused with a translated lock-out notice until the lock ends", async () => {
  for (let i = 0; i < 5; i++) assert.equal((await login("agent2@example.com", `wrong-${i}`)).status, 401);
  const locked = await login("agent2@example.com", "agent-demo-2026", "zh-CN,zh;q=0.9");
  assert.equal(locked.status, 429, locked.text);
  const data = locked.body.error!.json.data;
  assert.equal(data.code, "TOO_MANY_REQUESTS");
  assert.ok(Number(data.retryAfterSeconds) >= 1 && Number(data.retryAfterSeconds) <= 4, String(data.retryAfterSeconds));
  assert.match(locked.body.error!.json.message, /^失败次数过多，登录已锁定 \d+ 秒/);
  const en = await login("agent2@example.com", "agent-demo-2026");
  assert.match(en.body.error!.json.message, /^Too many failed attempts\. Log-in is locked for \d+ s/);
  // The lock ends by itself; the right password then works and clears the account's count.
  await untilLoggedIn("agent2@example.com", "agent-demo-2026");
  // A wrong password after a success starts from zero again: answered 401, not locked.
  assert.equal((await login("agent2@example.com", "wrong-again")).status, 401);
  assert.equal((await login("agent2@example.com", "agent-demo-2026")).status, 200);
});

test("per client address: many accounts tried from one address lock that address", async () => {
  let lockedAfter = 0;
  for (let i = 1; i <= 40; i++) {
    const r = await login(`nobody-${i}@example.com`, "guess");
    if (r.status === 429) {
      lockedAfter = i;
      break;
    }
    assert.equal(r.status, 401);
  }
  assert.ok(lockedAfter > 0 && lockedAfter <= 30, `locked after ${lockedAfter} attempts`);
  const right = await login("admin@example.com", "admin-demo-2026");
  assert.equal(right.status, 429, "the address is locked for every account");
  await untilLoggedIn("admin@example.com", "admin-demo-2026");
});
