// Security headers read from real responses of the running product with its built pages:
// a per-request nonce CSP that Next.js puts on every script it renders, frame-ancestors
// from FRAME_ANCESTORS (X-Frame-Options where it can say the same), nosniff,
// Referrer-Policy no-referrer on join and queue-waiting pages, Permissions-Policy for camera, microphone
// and geolocation to self only. The browser tests run the pages under this CSP.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";

const running: RunningProduct[] = [];
after(async () => {
  for (const p of running) await p.stop();
});

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(";").map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
}

test("pages: a nonce CSP that the rendered scripts carry, frame-ancestors 'none' with DENY, nosniff, permissions", async () => {
  const product = await startProductProcess({ pages: "production" });
  running.push(product);
  const { policyholderToken } = await createSurveyViaApi(product);
  const nonces = new Set<string>();
  const pages = ["/login", "/console", `/join/${policyholderToken}`, "/", "/report/motor-claims", `/report/wait/${policyholderToken}`];
  for (const path of pages) {
    const r = await fetch(`${product.url}${path}`, { redirect: "manual" });
    const csp = r.headers.get("content-security-policy");
    assert.ok(csp, `${path}: CSP header`);
    const d = directives(csp);
    const scriptSrc = d.get("script-src") ?? [];
    const nonce = scriptSrc.find((s) => s.startsWith("'nonce-"))?.slice(7, -1);
    assert.ok(nonce && nonce.length >= 16, `${path}: nonce in ${csp}`);
    nonces.add(nonce);
    assert.ok(scriptSrc.includes("'strict-dynamic'"));
    assert.ok(!scriptSrc.includes("'unsafe-inline'") && !scriptSrc.includes("'unsafe-eval'"), `${path}: no unsafe script sources in production`);
    assert.deepEqual(d.get("frame-ancestors"), ["'none'"]);
    assert.deepEqual(d.get("object-src"), ["'none'"]);
    assert.deepEqual(d.get("base-uri"), ["'none'"]);
    const connect = d.get("connect-src") ?? [];
    const host = new URL(product.url).host;
    assert.ok(connect.includes("'self'") && connect.includes(`ws://${host}`) && connect.includes(`wss://${host}`), `${path}: the signalling socket is allowed: ${connect}`);
    assert.equal(r.headers.get("x-frame-options"), "DENY");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    const permissions = r.headers.get("permissions-policy") ?? "";
    for (const feature of ["camera", "microphone", "geolocation"]) assert.match(permissions, new RegExp(`(^|, )${feature}=\\(self\\)`), permissions);
    assert.equal(r.headers.get("referrer-policy"), path.startsWith("/join/") || path.startsWith("/report/wait/") ? "no-referrer" : "same-origin", path);
    if (r.status === 200) {
      const html = await r.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      assert.ok(scripts.length > 0, `${path}: the page has scripts`);
      for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `${path}: every script carries this response's nonce: ${tag}`);
    }
  }
  assert.equal(nonces.size, pages.length, "a fresh nonce per response");

  // API answers: data, never a document.
  for (const path of ["/api/health", "/api/v1/surveys/x", "/api/trpc/auth.me"]) {
    const r = await fetch(`${product.url}${path}`);
    assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
    assert.match(r.headers.get("content-security-policy") ?? "", /^default-src 'none'; frame-ancestors 'none'$/, path);
    assert.equal(r.headers.get("x-frame-options"), "DENY", path);
  }
});

test("FRAME_ANCESTORS: an insurer's CRM may frame the console; X-Frame-Options then stays out of the way", async () => {
  const product = await startProductProcess({ pages: "production", env: { FRAME_ANCESTORS: "'self',https://crm.example.com" } });
  running.push(product);
  const r = await fetch(`${product.url}/login`);
  assert.deepEqual(directives(r.headers.get("content-security-policy") ?? "").get("frame-ancestors"), ["'self'", "https://crm.example.com"]);
  assert.equal(r.headers.get("x-frame-options"), null, "X-Frame-Options cannot name another origin");
});

test("a bad FRAME_ANCESTORS or ALLOWED_ORIGINS stops the product at start, naming the setting", async () => {
  const envs: Record<string, string>[] = [{ FRAME_ANCESTORS: "https://crm.example.com/console" }, { FRAME_ANCESTORS: "'none',https://crm.example.com" }, { ALLOWED_ORIGINS: "crm.example.com" }];
  for (const env of envs) {
    const name = Object.keys(env)[0]!;
    await assert.rejects(startProductProcess({ pages: "none", env }), (err: Error) => err.message.includes(name) && /Invalid environment/.test(err.message), name);
  }
});
