// In real Chromium against the real product: a survey ends without a page
// error on any page (the agent's page used to log "connection closed"); every
// page has a favicon; the evidence build fails for a real cause (a file stands
// where the packages folder must be), the agent's and the auditor's pages show
// the translated reason and an error id (found in the server log) and no raw
// error or server path; the agent's retry while the cause stands fails again
// with a new id; once the folder is back the auditor's retry builds the
// package. The auditor then reads the signing certificate's SHA-256, downloads
// the PEM, and the downloaded package verifies offline pinned to it (--trust).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "../support/survey-flow";
import { demoAccounts } from "../../server/db/seed-demo";
import { en, zhCN } from "../../app/_i18n/messages";

const root = path.resolve(import.meta.dirname, "../..");
const auditor = demoAccounts.find((a) => a.role === "auditor")!;
const session = browserSession();
const pageErrors: string[] = [];
const notFound: string[] = [];

async function watched(options: Parameters<typeof session.newPage>[0]): Promise<Page> {
  const page = await session.newPage({ ...options, acceptDownloads: true });
  const name = `${options?.viewport?.width ?? "?"}px page`;
  page.on("pageerror", (err) => pageErrors.push(`${name}: ${err.message}`));
  page.on("response", (r) => {
    if (r.status() === 404 && r.url().startsWith(session.product.url)) notFound.push(r.url());
  });
  return page;
}

/** The failure notice's text, with the error id; asserts it holds no raw error and no server path. */
async function failureShown(page: Page, dataDir: string) {
  const notice = page.getByTestId("evidence-failure");
  await notice.waitFor({ timeout: 90_000 });
  const code = await notice.getAttribute("data-error-code");
  const id = await notice.getAttribute("data-error-id");
  const message = (await page.getByTestId("evidence-failure-message").textContent())!.trim();
  assert.equal(code, "not-writable");
  assert.ok([en["job.failure.not-writable"], zhCN["job.failure.not-writable"]].includes(message), message);
  assert.match(id ?? "", /^EV-[0-9A-F]{10}$/);
  const body = (await page.locator("body").textContent()) ?? "";
  for (const raw of [dataDir, "EEXIST", "ENOTDIR", "/evidence/packages", "Error:"]) assert.ok(!body.includes(raw), `the page shows "${raw}"`);
  return id!;
}

test("ending a survey raises no page error; a failed package build shows reason + id and heals by retry; the auditor pins the signing certificate", { timeout: 600_000 }, async () => {
  const { product } = session;
  const agent = await watched(desktopContext);
  await loginAs(agent, product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent, { plate: `沪T·${String(Date.now()).slice(-5)}` });
  await agentJoins(agent, product.url, surveyId);
  const phone = await watched(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  // (No recording consent: the package is built all the same; audit-archive.test.ts covers one with media.)

  // The cause: a file where the packages folder must be (as a mistaken deploy or a bad mount leaves it).
  const packages = path.join(product.dataDir, "evidence", "packages");
  rmSync(packages, { recursive: true, force: true });
  writeFileSync(packages, "not a folder");

  await endSurveyWithoutStatement(agent);
  await phone.getByTestId("call-ended").waitFor();
  await agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();

  // The agent's page: translated reason, error id (in the server log), no raw text.
  const firstId = await failureShown(agent, product.dataDir);
  assert.ok(product.logs().includes(firstId), "the error id is in the server log");
  assert.match(product.logs().split("\n").find((l) => l.includes(firstId)) ?? "", /evidence package failed/);

  // A retry while the cause stands fails again, under a new id.
  await agent.getByTestId("evidence-failure-retry").click();
  await agent.waitForFunction(
    (first) => {
      const el = document.querySelector('[data-testid="evidence-failure"]');
      const id = el?.getAttribute("data-error-id");
      return Boolean(id && id !== first);
    },
    firstId,
    { timeout: 90_000 },
  );
  const secondId = await failureShown(agent, product.dataDir);
  assert.notEqual(secondId, firstId);

  // The auditor sees the failure the same way.
  const audit = await watched(desktopContext);
  await audit.goto(`${product.url}/login?next=/audit`);
  await audit.getByTestId("login-email").fill(auditor.email);
  await audit.getByTestId("login-password").fill(auditor.password);
  await audit.getByTestId("login-submit").click();
  await audit.waitForURL((u) => u.pathname === "/audit");
  await audit.goto(`${product.url}/audit/${surveyId}`);
  await audit.locator('[data-testid="audit-package"][data-status="failed"]').waitFor({ timeout: 30_000 });
  await failureShown(audit, product.dataDir);

  // The fix, then the auditor's retry builds the package.
  rmSync(packages, { force: true });
  mkdirSync(packages, { recursive: true });
  await audit.getByTestId("evidence-failure-retry").click();
  await audit.locator('[data-testid="audit-package"][data-status="ready"]').waitFor({ timeout: 120_000 });
  await agent.locator('[data-testid="evidence-progress"][data-status="ready"]').waitFor({ timeout: 60_000 });

  // The signing certificate: fingerprint on the page = SHA-256 of the downloaded PEM's certificate.
  const shown = (await audit.getByTestId("signer-cert-sha").textContent())!.trim();
  assert.match(shown, /^[0-9a-f]{64}$/);
  const [pemDownload] = await Promise.all([audit.waitForEvent("download"), audit.getByTestId("signer-cert-download").click()]);
  const pemFile = path.join(product.dataDir, "insurer-cert.pem");
  await pemDownload.saveAs(pemFile);
  const cert = new X509Certificate(readFileSync(pemFile));
  assert.equal(createHash("sha256").update(cert.raw).digest("hex"), shown);
  const [zipDownload] = await Promise.all([audit.waitForEvent("download"), audit.getByTestId("download-link").click()]);
  const zip = path.join(product.dataDir, "package.zip");
  await zipDownload.saveAs(zip);
  const cli = spawnSync(process.execPath, [path.join(root, "scripts/cli.mjs"), "verify", zip, "--survey", surveyId, "--trust", pemFile], { encoding: "utf8" });
  assert.equal(cli.status, 0, `${cli.stdout}\n${cli.stderr}`);
  assert.match(cli.stdout, new RegExp(`${shown}.*matches the trusted certificate`));

  // A favicon on every page, and no page error anywhere (ending the survey included).
  const icon = await fetch(`${product.url}/favicon.ico`);
  assert.equal(icon.status, 200);
  assert.match(icon.headers.get("content-type") ?? "", /image\//);
  assert.ok((await agent.locator('head link[rel="icon"]').count()) > 0, "pages name their icon");
  assert.deepEqual(notFound, [], "no request of the pages got a 404");
  assert.deepEqual(pageErrors, [], "no page error on any page");
});
