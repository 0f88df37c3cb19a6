// Bad input of every kind the security probe found gets a clean 4xx that names the
// field in the caller's language and carries no internal text — over the real REST API,
// real tRPC and real HTTP routes of a running product; an unexpected error shows only a
// translated sentence and an id that the log carries too.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import Database from "better-sqlite3";
import superjson from "superjson";
import { startProductProcess, type RunningProduct } from "../support/product-process";
import { loginCookie, trpcCall } from "../support/trpc-http";

let product: RunningProduct;
let agentCookie: string;
before(async () => {
  product = await startProductProcess({ pages: "none" });
  agentCookie = await loginCookie(product.url, "agent1@example.com", "agent-demo-2026");
});
after(() => product.stop());

const claim = {
  policyNumber: "PDAA202611220001",
  plate: "粤B·D12345",
  policyholderName: "Li Wei",
  policyholderMobile: "+8613800138000",
  incidentAt: "2026-11-21T08:30:00+08:00",
  incidentPlace: "Shenzhen, Nanshan, Keyuan Rd",
  claimType: "motor_collision",
};

// Words that would mean internal text leaked out.
const INTERNAL = /prisma|invalid `|sqlite|postgres|"stack"|at \w+ \(|\/work\/|node_modules|URIError|TypeError|ZodError|invalid_type|expected string/i;

/** POSTs a raw JSON text (so lone surrogates can be written as \uD800 escapes). */
function restPost(json: string, lang = "en") {
  return fetch(`${product.url}/api/v1/surveys`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}`, "Accept-Language": lang },
    body: json,
  });
}

async function restRejects(json: string, field: string, code: string, lang = "en") {
  const r = await restPost(json, lang);
  const text = await r.text();
  assert.equal(r.status, 400, `${field}: ${text}`);
  assert.doesNotMatch(text, INTERNAL, text);
  const body = JSON.parse(text);
  assert.equal(body.error.code, "VALIDATION_FAILED");
  const f = body.error.fields.find((x: { field: string }) => x.field === field);
  assert.ok(f, `${field} named in ${text}`);
  assert.equal(f.code, code, text);
  return { body, field: f as { field: string; code: string; message: string } };
}

const withClaim = (patch: string) => `{"claim":{${Object.entries(claim).map(([k, v]) => `"${k}":${JSON.stringify(v)}`).join(",")},${patch}},"locale":"en","sendSms":false}`;

test("REST: an unpaired surrogate is a 400 naming the field, in English or Chinese", async () => {
  const en = await restRejects(withClaim(`"plate":"A\\uD800"`), "claim.plate", "malformedText", "en-GB,en;q=0.9");
  assert.match(en.field.message, /^Licence plate: /);
  assert.match(en.body.error.message, /claim\.plate/);
  const zh = await restRejects(withClaim(`"plate":"A\\uD800"`), "claim.plate", "malformedText", "zh-CN,zh;q=0.9,en;q=0.5");
  assert.match(zh.field.message, /^车牌号：/);
  assert.match(zh.body.error.message, /请检查/);
  // In a field no schema looks at, too.
  await restRejects(`{"claim":${JSON.stringify(claim)},"note":"x\\uDC00"}`, "note", "malformedText");
});

test("REST: years outside the range, null and true dates are 400, never 1970-01-01", async () => {
  for (const value of [`"+010000-01-01T00:00:00Z"`, `"-000001-01-01T00:00:00Z"`, `"1800-01-01T00:00:00Z"`, `"9999-99-99"`]) {
    await restRejects(withClaim(`"incidentAt":${value}`), "claim.incidentAt", /1800/.test(value) ? "dateRange" : "date");
  }
  await restRejects(withClaim(`"policyEnd":"12000-01-01"`), "claim.policyEnd", "date");
  for (const value of ["null", "true", "0", "{}"]) await restRejects(withClaim(`"incidentAt":${value}`), "claim.incidentAt", "date");
});

test("REST: NUL, U+202E and zero-width characters in names and plates are refused; clean text is accepted", async () => {
  await restRejects(withClaim(`"plate":"沪A\\u000012345"`), "claim.plate", "unsafeText");
  await restRejects(withClaim(`"policyholderName":"Li\\u202EieW"`), "claim.policyholderName", "unsafeText");
  await restRejects(withClaim(`"policyholderName":"张\\u200B伟"`), "claim.policyholderName", "unsafeText");
  await restRejects(`{"claim":${JSON.stringify(claim)},"adjuster":{"name":"Wang\\uFEFF"}}`, "adjuster.name", "unsafeText");
  const zh = await restRejects(withClaim(`"incidentPlace":"上海\\u2066市"`), "claim.incidentPlace", "unsafeText", "zh-CN");
  assert.match(zh.field.message, /^出险地点：含有/);
  const ok = await restPost(JSON.stringify({ claim: { ...claim, policyholderName: "Zoe\u0301 Li" }, sendSms: false }));
  assert.equal(ok.status, 201, await ok.clone().text());
  const created = await ok.json();
  const state = await (await fetch(`${product.url}/api/v1/surveys/${created.surveyId}`, { headers: { Authorization: `Bearer ${product.apiKey}` } })).json();
  assert.equal(state.claim.plate, claim.plate);
});

test("tRPC: unpaired surrogates, impossible dates and unsafe characters are 400 with translated field messages", async () => {
  const create = (c: Record<string, unknown>, lang = "en") =>
    trpcCall(product.url, "surveys.create", { claim: { ...claim, incidentAt: new Date("2026-11-21T00:30:00Z"), ...c }, locale: "en", sendSms: false }, { cookie: agentCookie, headers: { "Accept-Language": lang } });
  const cases: [Record<string, unknown>, string, string][] = [
    [{ plate: "A\uD800" }, "claim.plate", "Licence plate: contains a broken character"],
    [{ policyholderName: "Li\u202EWei" }, "claim.policyholderName", "Policyholder name: contains control"],
    [{ plate: "沪A\u0000" }, "claim.plate", "Licence plate: contains control"],
    [{ incidentAt: new Date(Date.UTC(12000, 0, 1)) }, "claim.incidentAt", "Incident time: must be a date between the years 0 and 9999"],
    [{ incidentAt: new Date(Date.UTC(-5, 0, 1)) }, "claim.incidentAt", "Incident time: must be a date between"],
    [{ incidentAt: new Date(Date.UTC(1200, 0, 1)) }, "claim.incidentAt", "Incident time: must be a date between the years 1900 and 9999"],
    [{ incidentAt: null }, "claim.incidentAt", "Incident time: must be an ISO 8601"],
    [{ incidentAt: true }, "claim.incidentAt", "Incident time: must be an ISO 8601"],
  ];
  for (const [patch, field, message] of cases) {
    const r = await create(patch);
    assert.equal(r.status, 400, r.text);
    assert.doesNotMatch(r.text, INTERNAL, r.text);
    const issues = r.body.error!.json.data.issues as { path: string[]; message: string }[];
    const issue = issues.find((i) => i.path.join(".") === field);
    assert.ok(issue, `${field} in ${r.text}`);
    assert.ok(issue.message.startsWith(message), `${issue.message} ~ ${message}`);
    assert.match(r.body.error!.json.message, new RegExp(field.replace(".", "\\.")));
  }
  const zh = await create({ plate: "A\uD800" }, "zh-CN,zh");
  assert.equal(zh.status, 400);
  assert.match((zh.body.error!.json.data.issues as { message: string }[])[0]!.message, /^车牌号：含有损坏的字符/);
  // The `lang` cookie (the page's language switch) wins over the browser's languages.
  const cookieZh = await trpcCall(product.url, "join.resolve", { token: "A\uD800" }, { kind: "query", headers: { Cookie: "lang=zh-CN", "Accept-Language": "en" } });
  assert.equal(cookieZh.status, 400, cookieZh.text);
  assert.match(cookieZh.body.error!.json.message, /请检查/);
  // A procedure with a plain string input: the surrogate never reaches the database.
  const resolve = await trpcCall(product.url, "join.resolve", { token: "A\uD800" }, { kind: "query" });
  assert.equal(resolve.status, 400, resolve.text);
  assert.doesNotMatch(resolve.text, INTERNAL);
  assert.doesNotMatch(product.logs(), /"level":50/, "no error was logged for any bad input");
});

test("a malformed percent-encoding in the path is a 400 before any login check, with nothing logged", async () => {
  const before = product.logs().length;
  for (const p of ["/api/evidence/%E0%A4%A/package.zip", "/api/recordings/%FF/media", "/api/captures/%C0/thumb"]) {
    const r = await fetch(`${product.url}${p}`, { headers: { "Accept-Language": "zh-CN" } });
    const text = await r.text();
    assert.equal(r.status, 400, `${p}: ${text}`);
    assert.equal(JSON.parse(text).error.code, "BAD_URL");
    assert.match(JSON.parse(text).error.message, /地址格式有误/);
  }
  await new Promise((r) => setTimeout(r, 200));
  assert.doesNotMatch(product.logs().slice(before), /URIError|"level":50/);
});

test("an unexpected failure answers a translated sentence and an error id that the log carries, never the internal message", async () => {
  // Break the database under the running server: the outbox table goes away.
  const db = new Database(path.join(product.dataDir, "claims-survey.db"));
  db.exec(`ALTER TABLE "OutboxMessage" RENAME TO "OutboxMessage_gone"`);
  db.close();
  const r = await trpcCall(product.url, "surveys.create", { claim: { ...claim, incidentAt: new Date("2026-11-21T00:30:00Z") }, locale: "en", sendSms: true }, { cookie: agentCookie, headers: { "Accept-Language": "zh-CN" } });
  assert.equal(r.status, 500, r.text);
  assert.doesNotMatch(r.text, /OutboxMessage|prisma|no such table|sqlite/i, r.text);
  const errorId = r.body.error!.json.data.errorId as string;
  assert.match(errorId, /^[0-9a-f]{8}$/);
  assert.equal(r.body.error!.json.message, `服务器出错了。参考编号：${errorId}`);
  const deadline = Date.now() + 10_000;
  while (!product.logs().includes(`"errorId":"${errorId}"`) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.ok(product.logs().includes(`"errorId":"${errorId}"`), "the log line carries the same id");
  // The REST API answers the same way.
  const rest = await restPost(JSON.stringify({ claim, sendSms: true }));
  const text = await rest.text();
  assert.equal(rest.status, 500);
  assert.doesNotMatch(text, /OutboxMessage|prisma|no such table|sqlite/i, text);
  assert.match(JSON.parse(text).error.message, /^Something went wrong on our side\. Reference: [0-9a-f]{8}$/);
});
