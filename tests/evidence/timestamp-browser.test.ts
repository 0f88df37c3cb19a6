// Trusted time through the real product in real Chromium: the server runs with
// EVIDENCE_TSA_URL pointing at a local `openssl ts` TSA; a survey is held and
// ended in the browser, the package is built in the background, the auditor's
// verify on the page names the trusted-time check and the stamp, and the zip
// the auditor downloads verifies offline with --tsa-trust (each token's time
// proven), fails against another CA, and fails once a token is altered.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { type CertificateAuthority, createCertificateAuthority, type LocalTsa, startLocalTsa } from "../support/local-tsa";
import { startProductProcess } from "../support/product-process";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "../support/survey-flow";
import { demoAccounts } from "../../server/db/seed-demo";
import { copyPackage } from "../fixtures/evidence/package-tree";

const root = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(root, "scripts/cli.mjs");
const auditor = demoAccounts.find((a) => a.role === "auditor")!;
let tsa: LocalTsa | undefined;
let otherCa: CertificateAuthority | undefined;

const session = browserSession({
  start: async () => {
    tsa = await startLocalTsa({ name: "Browser Test" });
    // A generous per-token limit: the machine may be loaded; the TSA answers when it can.
    return startProductProcess({ env: { EVIDENCE_TSA_URL: tsa.url, EVIDENCE_TSA_TIMEOUT_SECONDS: "120" } });
  },
});

after(async () => {
  await tsa?.stop();
});

const THIS_YEAR = String(new Date().getUTCFullYear());

test("a survey ended in the browser gives a TSA-stamped package: the page names the stamp, --tsa-trust proves it, another CA or an altered token fails", { timeout: 1_200_000 }, async () => {
  const { product } = session;
  const agent = await session.newPage({ ...desktopContext });
  await loginAs(agent, product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent, { plate: `沪K·${String(Date.now()).slice(-5)}` });
  await agentJoins(agent, product.url, surveyId);
  const phone = await session.newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await endSurveyWithoutStatement(agent);
  await phone.getByTestId("call-ended").waitFor();
  await agent.locator('[data-testid="evidence-progress"][data-status="ready"]').waitFor({ timeout: 300_000 });
  assert.ok(tsa!.granted >= 3, `the TSA granted ${tsa!.granted} tokens`);

  const audit = await session.newPage({ ...desktopContext, acceptDownloads: true });
  await audit.goto(`${product.url}/login?next=/audit`);
  await audit.getByTestId("login-email").fill(auditor.email);
  await audit.getByTestId("login-password").fill(auditor.password);
  await audit.getByTestId("login-submit").click();
  await audit.waitForURL((u) => u.pathname === "/audit");
  await audit.goto(`${product.url}/audit/${surveyId}`);
  await audit.locator('[data-testid="audit-package"][data-status="ready"]').waitFor({ timeout: 60_000 });
  await audit.getByTestId("verify-button").click();
  const verdict = audit.getByTestId("verify-result");
  await verdict.waitFor({ timeout: 90_000 });
  assert.equal(await verdict.getAttribute("data-ok"), "true");
  assert.equal(await audit.locator('[data-testid="verify-check"][data-check="trusted-time"]').getAttribute("data-outcome"), "pass");
  const line = audit.getByTestId("verify-trusted-time");
  assert.equal(await line.getAttribute("data-state"), "stamped");
  assert.match((await line.textContent()) ?? "", /CN=Browser Test TSA/);

  const [download] = await Promise.all([audit.waitForEvent("download"), audit.getByTestId("download-link").click()]);
  const zip = path.join(product.dataDir, "downloaded.zip");
  await download.saveAs(zip);
  const proven = spawnSync(process.execPath, [CLI, "verify", zip, "--survey", surveyId, "--tsa-trust", tsa!.ca.certPath], { encoding: "utf8" });
  assert.equal(proven.status, 0, `${proven.stdout}\n${proven.stderr}`);
  assert.equal((proven.stdout.match(/: PROVEN 已证明 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z by CN=Browser Test TSA/g) ?? []).length, 3, proven.stdout);

  otherCa = await createCertificateAuthority(path.join(product.dataDir, "other-ca"), "Not The TSA");
  const untrusted = spawnSync(process.execPath, [CLI, "verify", zip, "--tsa-trust", otherCa.certPath], { encoding: "utf8" });
  assert.equal(untrusted.status, 1, untrusted.stdout);
  assert.match(untrusted.stdout, /\[trusted-time\] the TSA certificate CN=Browser Test TSA.* does not chain to a trusted TSA certificate/);

  // The built folder on the server, copied, with one digit of the manifest token's genTime changed.
  const packages = path.join(product.dataDir, "evidence", "packages");
  const folder = (await fs.readdir(packages)).find((d) => d.startsWith(surveyId))!;
  const copy = await copyPackage(path.join(packages, folder), path.join(product.dataDir, "altered"));
  const sigFile = path.join(copy, "manifest.sig");
  const sig = await fs.readFile(sigFile);
  const m = [...sig.toString("latin1").matchAll(/\x18\x0f(\d{14})Z/g)].find((x) => x[1]!.startsWith(THIS_YEAR));
  assert.ok(m, "no genTime in the manifest's token");
  const at = m.index + 2 + 13;
  sig[at] = sig[at] === 0x30 ? 0x31 : 0x30;
  await fs.writeFile(sigFile, sig);
  const altered = spawnSync(process.execPath, [CLI, "verify", copy, "--tsa-trust", tsa!.ca.certPath], { encoding: "utf8" });
  assert.equal(altered.status, 1, altered.stdout);
  assert.match(altered.stdout, /✗ manifest\.sig \[trusted-time\] timestamp token: signed content changed/);
});
