import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startProductProcess, type RunningProduct } from "../support/product-process";

let product: RunningProduct;
before(async () => (product = await startProductProcess({ pages: "none" })));
after(() => product.stop());

const goodBody = {
  claim: {
    policyNumber: "PDAA202611220001",
    plate: "粤B·D12345",
    policyholderName: "Li Wei",
    policyholderMobile: "+8613800138000",
    incidentAt: "2026-11-21T08:30:00+08:00",
    incidentPlace: "Shenzhen, Nanshan, Keyuan Rd",
    claimType: "motor_collision",
    externalRef: "CRM-7781",
  },
  locale: "en",
  adjuster: { name: "Wang Qiang", mobile: "+8613900139000" },
  agentEmail: "agent2@example.com",
};

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${product.url}/api/v1/surveys`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

test("a missing or wrong API key gets 401", async () => {
  const none = await fetch(`${product.url}/api/v1/surveys`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(goodBody) });
  assert.equal(none.status, 401);
  assert.match(none.headers.get("www-authenticate") ?? "", /Bearer/);
  const wrong = await post(goodBody, { Authorization: `Bearer ${product.apiKey}x` });
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).error.code, "UNAUTHORIZED");
  assert.equal((await fetch(`${product.url}/api/v1/surveys/abc`, { headers: { Authorization: "Basic Zm9vOmJhcg==" } })).status, 401);
});

test("a bad body gets 400 naming each bad field", async () => {
  const r = await post({ ...goodBody, claim: { ...goodBody.claim, plate: "", policyholderMobile: "12345", claimType: "boat" } });
  assert.equal(r.status, 400);
  const body = await r.json();
  assert.equal(body.error.code, "VALIDATION_FAILED");
  const fields = body.error.fields.map((f: { field: string }) => f.field).sort();
  assert.deepEqual(fields, ["claim.claimType", "claim.plate", "claim.policyholderMobile"]);
  assert.match(body.error.message, /claim\.plate/);
  const future = await post({ ...goodBody, claim: { ...goodBody.claim, incidentAt: "2099-01-01T00:00:00Z" } });
  assert.equal(future.status, 400);
  assert.deepEqual((await future.json()).error.fields.map((f: { field: string }) => f.field), ["claim.incidentAt"]);
  const unknownAgent = await post({ ...goodBody, agentEmail: "ghost@example.com" });
  assert.equal(unknownAgent.status, 400);
  assert.equal((await post("{not json")).status, 400);
  assert.equal((await post(goodBody, { "Content-Type": "text/plain" })).status, 415);
  assert.equal((await post("x".repeat(1024 * 1024 + 10))).status, 413);
});

test("a good call creates the claim and survey, returns both links, and the state reads back", async () => {
  const r = await post(goodBody);
  assert.equal(r.status, 201);
  const created = await r.json();
  assert.equal(created.status, "created");
  assert.match(created.links.policyholder.url, new RegExp(`^${product.url}/join/[A-Za-z0-9_-]{32}$`));
  assert.match(created.links.adjuster.url, /\/join\//);
  assert.equal(r.headers.get("location"), `/api/v1/surveys/${created.surveyId}`);

  const g = await fetch(`${product.url}/api/v1/surveys/${created.surveyId}`, { headers: { Authorization: `Bearer ${product.apiKey}` } });
  assert.equal(g.status, 200);
  const state = await g.json();
  assert.equal(state.id, created.surveyId);
  assert.equal(state.status, "created");
  assert.equal(state.claim.plate, "粤B·D12345");
  assert.equal(state.claim.externalRef, "CRM-7781");
  assert.equal(state.agent.email, "agent2@example.com");
  assert.ok(state.eventCount >= 3);

  // The invite link works for the policyholder page's first call.
  const token = created.links.policyholder.url.split("/").pop();
  const resolve = await fetch(`${product.url}/api/trpc/join.resolve?input=${encodeURIComponent(JSON.stringify({ json: { token } }))}`);
  assert.equal(resolve.status, 200);

  const missing = await fetch(`${product.url}/api/v1/surveys/nope`, { headers: { Authorization: `Bearer ${product.apiKey}` } });
  assert.equal(missing.status, 404);
});
