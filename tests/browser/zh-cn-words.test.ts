// Every word in Chinese: a whole survey in the real product and real Chromium
// with zh-CN browsers — the phone during a capture step, the agent's console
// and survey page, the SMS outbox, playback, the auditor's archive and survey
// page with a verification, the admin's checklist editor, the login page — and
// the signed zh-CN PDF report's text (pdftotext). Each page's visible text
// (with placeholders, tooltips and image texts) must hold no catalogue key, no
// internal code and no English word of the English catalogue.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { browserSession } from "../support/browser-session";
import { phoneContext } from "../support/browser";
import { demoAccounts } from "../../server/db/seed-demo";
import { zhCN } from "../../app/_i18n/messages";
import { reportStrings } from "../../server/evidence/report-strings";
import { trustedTimeStrings } from "../../server/evidence/report-trusted-time";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "../support/survey-flow";
import { assertChinese, untranslated } from "../support/untranslated";

const session = browserSession();
// The machine running the tests may be loaded: navigations and waits get room, never a short deadline.
async function newPage(options: Parameters<typeof session.newPage>[0]) {
  const page = await session.newPage(options);
  page.setDefaultNavigationTimeout(120_000);
  page.setDefaultTimeout(60_000);
  return page;
}
const zhDesktop = { viewport: { width: 1280, height: 900 }, locale: "zh-CN" };
const account = (email: string) => demoAccounts.find((a) => a.email === email)!;

/** What a person sees: the rendered text, plus placeholders, tooltips, labels for screen readers and image texts. */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const extra = [...document.querySelectorAll("[placeholder], [title], [aria-label], img[alt]")].flatMap((el) =>
      ["placeholder", "title", "aria-label", "alt"].map((a) => el.getAttribute(a) ?? "").filter(Boolean),
    );
    return [document.body.innerText, ...extra].join("\n");
  });
}


async function checkPage(page: Page, where: string) {
  // Let late data (lists, verdicts) arrive before reading.
  await page.waitForLoadState("networkidle").catch(() => undefined);
  assertChinese(await visibleText(page), where);
}

async function staffLogin(page: Page, email: string, lands: RegExp) {
  const a = account(email);
  await page.goto(`${session.product.url}/login`);
  await checkPage(page, "login page");
  await page.getByTestId("login-email").fill(a.email);
  await page.getByTestId("login-password").fill(a.password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(lands);
}

test("the checker itself: the zh-CN catalogues pass, and what the issue saw is caught", () => {
  for (const [key, text] of Object.entries(zhCN)) assert.deepEqual(untranslated(text.replace(/\{\w+\}/g, "")), [], `zh-CN catalogue entry ${key}`);
  const walk = (v: unknown, where: string) => {
    if (typeof v === "string") assert.deepEqual(untranslated(v), [], `zh-CN report string ${where}`);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  walk(reportStrings("zh-CN"), "report");
  // The trusted-time section, each worded sentence with a sample value (this survey's PDF has no TSA, so it shows only the unstamped words).
  const tt = trustedTimeStrings("zh-CN");
  walk({ ...tt, failed: tt.failed("超时"), stamped: tt.stamped("", "2026-12-02 08:00:00") }, "report.trustedTime");
  for (const seen of ["motor_collision", "corner_front_left · accepted", "操作人 agent", "staff login agent1@example.com", "invite link sent by SMS to 138****8000", "capture.state.missing", "policy term ≤ 1 year(s)"]) {
    assert.ok(untranslated(seen).length > 0, `"${seen}" is caught`);
  }
});

test("a whole survey in zh-CN: every page and the PDF report read in Chinese", { timeout: 900_000 }, async () => {
  // The agent's page answers the override prompt with a reason, so it has its own dialog handler.
  const agentContext = await session.browser.newContext(zhDesktop);
  const agent = await agentContext.newPage();
  agent.setDefaultNavigationTimeout(120_000);
  agent.setDefaultTimeout(60_000);
  agent.on("dialog", (d) => void (d.type() === "prompt" ? d.accept("车牌清晰可辨") : d.accept()));
  await staffLogin(agent, agent1.email, /\/console/);
  await checkPage(agent, "console");
  const { surveyId, policyholderLink, adjusterLink } = await createSurveyInConsole(agent);
  await checkPage(agent, "console with a new survey");
  await agentJoins(agent, session.product.url, surveyId);

  const phone = await newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  const adjuster = await newPage(zhDesktop);
  await inviteeJoins(adjuster, adjusterLink);
  await waitForRemoteRoles(agent, ["policyholder", "adjuster"], 60_000);
  await waitForRemoteRoles(phone, ["agent", "adjuster"], 60_000);
  await checkPage(phone, "phone: recording notice");
  await phone.getByTestId("consent-accept").click();

  // A capture step, a verdict and (if refused) the agent's override with a reason.
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="remote-capture"]').click();
  const phoneVerdict = phone.locator('[data-testid="capture-verdict"][data-item="licence_plate"]');
  await phoneVerdict.waitFor({ timeout: 180_000 });
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 120_000 });
  await checkPage(phone, "phone: capture step with a verdict");
  await checkPage(adjuster, "adjuster's page");
  if ((await phoneVerdict.getAttribute("data-verdict")) === "rejected") {
    await agent.getByTestId("override-capture").click();
    await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"][data-state="overridden"]').waitFor();
  }
  await agent.getByTestId("chat-input").fill("请拍车牌");
  await agent.getByTestId("chat-send").click();
  await phone.getByTestId("chat-open").click();
  await phone.getByTestId("chat-message").filter({ hasText: "请拍车牌" }).waitFor();
  await checkPage(phone, "phone: chat sheet");
  await agent.locator("details summary").first().click();
  await checkPage(agent, "agent's survey page in the call, invite links open");

  await agent.waitForTimeout(1500);
  await endSurveyWithoutStatement(agent);
  await phone.getByTestId("call-ended").waitFor({ timeout: 240_000 });
  await checkPage(phone, "phone: survey ended");
  await agent.locator('[data-testid="evidence-progress"][data-status="ready"]').waitFor({ timeout: 120_000 });
  await checkPage(agent, "agent's survey page after the survey");

  await agent.goto(`${session.product.url}/surveys/${surveyId}/playback`);
  await agent.getByTestId("playback-marker").first().waitFor({ timeout: 30_000 });
  await checkPage(agent, "playback");
  const actors = await agent.getByTestId("marker-actor").allTextContents();
  assert.ok(actors.length > 0 && actors.every((a) => !/^(agent|policyholder|adjuster)$/.test(a) && !/^c[a-z0-9]{20,}$/.test(a)), `timeline actors are names: ${actors.join(" | ")}`);

  await agent.goto(`${session.product.url}/outbox`);
  await agent.getByTestId("outbox-message").first().waitFor();
  await checkPage(agent, "SMS outbox");

  // The auditor: search, the survey's page, a verification; and the package's PDF.
  const auditor = await newPage(zhDesktop);
  await staffLogin(auditor, "auditor@example.com", /\/audit$/);
  await auditor.getByTestId("audit-result").first().waitFor();
  await checkPage(auditor, "auditor's archive search");
  await auditor.goto(`${session.product.url}/audit/${surveyId}`);
  await auditor.locator('[data-testid="audit-package"][data-status="ready"]').waitFor({ timeout: 60_000 });
  await auditor.getByTestId("verify-button").click();
  await auditor.getByTestId("verify-result").waitFor({ timeout: 60_000 });
  await checkPage(auditor, "auditor's survey page with a verification");

  const zip = await auditor.request.get(`${session.product.url}/api/evidence/${encodeURIComponent(surveyId)}/package.zip`);
  assert.equal(zip.status(), 200);
  const zipPath = path.join(session.product.dataDir, "words-package.zip");
  writeFileSync(zipPath, await zip.body());
  const pdfPath = path.join(session.product.dataDir, "words-report.pdf");
  writeFileSync(pdfPath, execFileSync("unzip", ["-p", zipPath, "report.pdf"], { maxBuffer: 256 * 1024 * 1024 }));
  const pdfText = execFileSync("pdftotext", ["-layout", pdfPath, "-"], { maxBuffer: 64 * 1024 * 1024 }).toString();
  assert.ok(pdfText.includes("理赔查勘证据报告"), "the report is the zh-CN one");
  assert.ok(pdfText.includes("车牌") && pdfText.includes("车险 – 碰撞"), "the report names the checklist item and the claim type");
  assert.ok(pdfText.includes(agent1.name), "the report names the agent");
  assertChinese(pdfText, "zh-CN PDF report");
  // Everyone who joined has a leave time (the survey's end ended their call).
  const record = JSON.parse(execFileSync("unzip", ["-p", zipPath, "survey.json"]).toString()) as { participants: { role: string; joinedAt?: string; leftAt?: string }[] };
  const joined = record.participants.filter((p) => p.joinedAt);
  assert.ok(joined.length >= 3, `three joined (${JSON.stringify(record.participants)})`);
  for (const p of joined) assert.ok(p.leftAt, `the ${p.role} has a leave time`);

  const admin = await newPage(zhDesktop);
  await staffLogin(admin, "admin@example.com", /\/console/);
  await admin.goto(`${session.product.url}/admin/checklists`);
  await admin.getByTestId("checklist-item").first().waitFor();
  await checkPage(admin, "admin's checklist editor");
  await agentContext.close();
});
