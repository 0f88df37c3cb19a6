// The evidence archive end to end in real Chromium against the real product:
// a short survey (agent + policyholder, consent accepted, one photo, end), the
// package is built in the background while the agent watches, then the auditor
// finds the survey, opens it, verifies it on the server (every check passes),
// downloads the zip, and the zip verifies offline with the CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { y4mFromPhoto } from "../support/fake-camera";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "../support/survey-flow";
import { demoAccounts } from "../../server/db/seed-demo";

const root = path.resolve(import.meta.dirname, "../..");
const auditor = demoAccounts.find((a) => a.role === "auditor")!;
const session = browserSession({
  // Every camera in this browser films a sharp street scene, so the one photo passes the quality gate.
  launch: () => launchBrowser({ fakeVideoFile: y4mFromPhoto(path.join(root, "tests/fixtures/photos/city-sharp.jpg")) }),
});
const newPage = (options: Parameters<typeof session.newPage>[0]) => session.newPage({ ...options, acceptDownloads: true });

test("survey → package built → auditor finds, opens, verifies and downloads it; the zip verifies offline", { timeout: 600_000 }, async () => {
  const plate = `沪E·${String(Date.now()).slice(-5)}`;
  const agent = await newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent, { plate });
  await agentJoins(agent, session.product.url, surveyId);
  const phone = await newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);

  await phone.getByTestId("consent-accept").click();
  await agent.getByTestId("rec-indicator").waitFor();
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]').click();
  await phone.getByTestId("shutter").click();
  // Whatever the verdict, the photo is evidence; the capture tests judge the model.
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 20_000 });
  await agent.waitForTimeout(1500);
  await endSurveyWithoutStatement(agent);
  await phone.getByTestId("call-ended").waitFor();

  // The agent follows the build on the survey page until it is ready.
  await agent.locator('[data-testid="evidence-progress"][data-status="ready"]').waitFor({ timeout: 60_000 });
  const agentSha = (await agent.getByTestId("evidence-manifest-sha").textContent())!.trim();
  assert.match(agentSha, /^[0-9a-f]{64}$/);
  // Policy 2026-01-01..2026-12-31 (one year): kept 5 years after it ends.
  assert.equal((await agent.getByTestId("evidence-destroy-after").textContent())!.trim(), "2032-01-01");

  const audit = await newPage(desktopContext);
  await audit.goto(`${session.product.url}/login?next=/audit`);
  await audit.getByTestId("login-email").fill(auditor.email);
  await audit.getByTestId("login-password").fill(auditor.password);
  await audit.getByTestId("login-submit").click();
  await audit.waitForURL(/\/audit$/);
  await audit.getByTestId("audit-plate").fill(plate);
  await audit.getByTestId("audit-search-submit").click();
  const row = audit.locator(`[data-testid="audit-result"][data-survey-id="${surveyId}"]`);
  await row.waitFor();
  assert.equal(await audit.getByTestId("audit-result").count(), 1, "the plate finds exactly this survey");
  await row.locator("a").click();

  await audit.locator('[data-testid="audit-package"][data-status="ready"]').waitFor();
  assert.equal((await audit.getByTestId("audit-manifest-sha").textContent())!.trim(), agentSha);
  const roles = await audit.getByTestId("audit-file").locator("td:nth-child(2)").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-role") ?? ""));
  for (const r of ["report", "photo", "thumbnail", "recording", "events", "survey"]) assert.ok(roles.includes(r), `the manifest lists a ${r} file (${roles.join(", ")})`);
  const identified = await audit.getByTestId("audit-participant").allTextContents();
  assert.ok(identified.some((t) => t.includes("invite link sent by SMS to 138****8000")), identified.join(" | "));
  assert.equal(await audit.getByTestId("playback-link").getAttribute("href"), `/surveys/${surveyId}/playback`);

  await audit.getByTestId("verify-button").click();
  const verdict = audit.getByTestId("verify-result");
  await verdict.waitFor({ timeout: 30_000 });
  const outcomes = await audit.getByTestId("verify-check").evaluateAll((rows) => rows.map((r) => `${r.getAttribute("data-check")}=${r.getAttribute("data-outcome")}`));
  assert.equal(await verdict.getAttribute("data-ok"), "true", outcomes.join(", "));
  assert.ok(outcomes.length >= 10 && outcomes.every((o) => o.endsWith("=pass")), outcomes.join(", "));

  const [download] = await Promise.all([audit.waitForEvent("download"), audit.getByTestId("download-link").click()]);
  const zip = path.join(session.product.dataDir, "downloaded.zip");
  await download.saveAs(zip);
  const cli = spawnSync(process.execPath, [path.join(root, "scripts/cli.mjs"), "verify", zip, "--survey", surveyId], { encoding: "utf8" });
  assert.equal(cli.status, 0, `${cli.stdout}\n${cli.stderr}`);
});
