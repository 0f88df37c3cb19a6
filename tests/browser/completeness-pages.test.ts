// Recording completeness on the real pages, in real Chromium against the real
// product: a closed survey whose policyholder audio has a hole (the muxer died
// 12 s after consent, back 125 s after) and whose agent camera was never
// recorded is in the database when the product starts; the product builds its
// package at start (closed survey without one), then the auditor's survey page,
// its "Verify package" and the agent's survey page show the holes, in English
// and in Chinese, apart from the integrity verdict.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { databaseTarget } from "../../server/db/database-target";
import { migrateDatabase } from "../../server/db/migrate";
import { createDb } from "../../server/db/client";
import { createStorage } from "../../media/recording/storage/create-storage";
import { demoAccounts } from "../../server/db/seed-demo";
import { browserSession } from "../support/browser-session";
import { desktopContext, laptopContext } from "../support/browser";
import { startProductProcess } from "../support/product-process";
import { agent1, loginAs } from "../support/survey-flow";
import { recordedSurveyWithHoles, type RecordedSurvey } from "../evidence-integration/recorded-survey";

const auditor = demoAccounts.find((a) => a.role === "auditor")!;
let survey: RecordedSurvey;

const session = browserSession({
  start: async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "cs-test-"));
    const target = databaseTarget(`file:${path.join(dataDir, "claims-survey.db")}`);
    await migrateDatabase(target);
    const db = createDb(target);
    try {
      survey = await recordedSurveyWithHoles(db, createStorage({ kind: "local", root: path.join(dataDir, "media") }));
    } finally {
      await db.$disconnect();
    }
    return startProductProcess({ dataDir });
  },
});

/** The rows of one completeness box: role, kind, never recorded, and the missing stretches' offsets. */
async function items(page: Page, within: string) {
  return page.locator(`${within} [data-testid="completeness-item"]`).evaluateAll((rows) =>
    rows.map((r) => [r.getAttribute("data-role"), r.getAttribute("data-kind"), r.getAttribute("data-never-recorded"), r.getAttribute("data-gaps")].join(" ")).sort(),
  );
}
const EXPECTED = ["agent audio false ", "agent video true 00:00:00–00:03:10", "policyholder audio false 00:00:12–00:02:05", "policyholder video false "].sort();

async function loginAuditor(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/login?next=/audit`);
  await page.getByTestId("login-email").fill(auditor.email);
  await page.getByTestId("login-password").fill(auditor.password);
  await page.getByTestId("login-submit").click();
  // The login page's own URL ends in "?next=/audit": wait for the path itself.
  await page.waitForURL((u) => u.pathname === "/audit");
}

test("the auditor's survey page and its verification show the holes, apart from integrity (en)", { timeout: 600_000 }, async () => {
  const page = await session.newPage(desktopContext);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await loginAuditor(page, session.product.url);
  // The package is built in the background at start: reload until it is ready.
  const deadline = Date.now() + 120_000;
  for (;;) {
    await page.goto(`${session.product.url}/audit/${survey.surveyId}`);
    await page.locator('[data-testid="audit-package"], .banner.warn').first().waitFor({ timeout: 60_000 }).catch(() => undefined);
    assert.equal(await page.getByTestId("audit-package").count(), 1, `${await page.locator("body").textContent()} ${errors.join(" | ")}`);
    if ((await page.getByTestId("audit-package").getAttribute("data-status")) === "ready") break;
    assert.ok(Date.now() < deadline, "the package was not built within 120 s");
    await page.waitForTimeout(2000);
  }
  const box = page.locator('[data-testid="completeness"]').first();
  assert.equal(await box.getAttribute("data-status"), "incomplete");
  assert.deepEqual(await items(page, "main > section[data-testid=completeness]"), EXPECTED);
  const text = (await box.textContent())!;
  for (const s of ["Recording completeness", "Incomplete: parts of the survey that should have been recorded were not recorded.", "Never recorded", "the recording failed", "the recorder restarted; the track continues in a new file", "MUXER_DIED; error id ERR-PA-1", "MUXER_START_FAILED; error id ERR-AV-1, ERR-AV-2", "Policyholder"]) {
    assert.ok(text.includes(s), `"${s}" not on the page: ${text}`);
  }

  await page.getByTestId("verify-button").click();
  const verdict = page.getByTestId("verify-result");
  await verdict.waitFor({ timeout: 60_000 });
  assert.equal(await verdict.getAttribute("data-ok"), "true", "integrity: every check passes");
  const verified = page.locator('[data-testid="verify-completeness"] [data-testid="completeness"]');
  assert.equal(await verified.getAttribute("data-status"), "incomplete");
  assert.deepEqual(await items(page, '[data-testid="verify-completeness"]'), EXPECTED);
});

test("the agent's closed survey page shows the holes in Chinese", { timeout: 600_000 }, async () => {
  const page = await session.newPage(laptopContext);
  await page.context().addCookies([{ name: "lang", value: "zh-CN", url: session.product.url }]);
  await loginAs(page, session.product.url, agent1);
  await page.goto(`${session.product.url}/console/surveys/${survey.surveyId}`);
  const box = page.getByTestId("completeness");
  await box.waitFor({ timeout: 60_000 });
  assert.equal(await box.getAttribute("data-status"), "incomplete");
  assert.deepEqual(await items(page, "main"), EXPECTED);
  const text = (await box.textContent())!;
  for (const s of ["录制完整性", "不完整：查勘中有应录制而未录制的部分。", "从未录制", "录制失败", "录制进程重启，之后在新文件中继续录制", "错误编号 ERR-PA-1", "投保人"]) {
    assert.ok(text.includes(s), `"${s}" not on the page: ${text}`);
  }
  assert.ok(!/Incomplete|Never recorded|the recording failed/.test(text), `English on the Chinese page: ${text}`);
});
