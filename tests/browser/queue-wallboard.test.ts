// The supervisor's wallboard and the routing rules page, in real Chromium
// against the real product: an admin (zh-CN) keeps the wallboard open; a driver
// enters the queue through the insurer's REST API and the waiting count goes up
// on the open page without a reload; the agent answers on the console and the
// answered figure changes; the export downloads the day's events; the admin
// changes the queue's rules on the rules page (first a bad value, refused beside
// its field in Chinese and reworded in English on switching) and the change is
// stored, read back through the API and by the routing engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import superjson from "superjson";
import type { Page } from "playwright-core";
import { desktopContext, laptopContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, loginAs } from "../support/survey-flow";
import { assertChinese } from "../support/untranslated";
import { demoAccounts } from "../../server/db/seed-demo";
import { createDb } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { QueueService } from "../../server/queue/queue-service";
import { until } from "../support/until";

const session = browserSession();
const admin = demoAccounts.find((a) => a.email === "admin@example.com")!;


const figure = async (page: Page, testId: string) => (await page.getByTestId(testId).innerText()).trim();


test("the wallboard follows the queue live, and the rules page stores a queue's rules", { timeout: 600_000 }, async () => {
  const { product } = session;
  const db = createDb(databaseTarget(`file:${path.join(product.dataDir, "claims-survey.db")}`));
  try {
    const svc = new QueueService({ db, provider: "sqlite" });
    // A long offer timeout: on a loaded machine the agent's click must not race the ring.
    const glass = await svc.createQueue("glass", {}, { "zh-CN": "玻璃险", en: "Glass" });
    const roadside = await svc.createQueue("roadside", { offerTimeoutSec: 300 }, { "zh-CN": "道路报案", en: "Roadside" });
    const agentId = (await db.user.findUniqueOrThrow({ where: { email: agent1.email } })).id;
    await svc.upsertAgent({ userId: agentId, queueIds: [roadside.id] });

    // The admin opens the wallboard from the console's top bar (zh-CN, Shanghai time).
    const board = await session.newPage({ ...laptopContext, timezoneId: "Asia/Shanghai", acceptDownloads: true });
    await loginAs(board, product.url, admin);
    await board.getByTestId("nav-wallboard").click();
    await board.waitForURL(/\/admin\/queues\/wallboard$/);
    await board.getByTestId("wallboard-total").waitFor();
    assert.equal(await figure(board, "wallboard-waiting"), "0");
    assert.equal(await figure(board, "wallboard-answered"), "0");
    assert.equal(await figure(board, "wallboard-service-level"), "—", "no calls yet: no rate");
    assertChinese(await board.locator("main").innerText(), "the wallboard");
    // Marks this very document: after a reload the mark is gone.
    await board.evaluate(() => ((window as unknown as { wallboardMark: number }).wallboardMark = 1));

    // A driver enters through the insurer's app; the open wallboard counts them.
    const entered = await fetch(`${product.url}/api/v1/queue-entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}` },
      body: JSON.stringify({ queue: "roadside", plate: "沪A·W0001", claimType: "motor_collision", policyholderMobile: "13800138000" }),
    });
    assert.equal(entered.status, 201, await entered.clone().text());
    await until("the waiting count to go up", async () => (await figure(board, "wallboard-waiting")) === "1");
    const row = board.locator(`[data-testid="wallboard-queue"][data-queue="${roadside.id}"]`);
    assert.equal((await row.locator('[data-field="waiting"]').innerText()).trim(), "1");
    assert.equal(await figure(board, "wallboard-entered"), "1");

    // The agent goes ready on the console and answers the ringing offer.
    const agent = await session.newPage(desktopContext);
    await loginAs(agent, product.url, agent1);
    await agent.locator('[data-testid="queue-panel"][data-state="away"]').waitFor();
    await agent.getByTestId("queue-ready").click();
    await agent.getByTestId("queue-offer").waitFor();
    await agent.getByTestId("queue-accept").click();
    await agent.waitForURL(/\/console\/surveys\/[^/]+$/);

    // The wallboard, never reloaded, shows the answer: nobody waiting, one answered, the agent busy.
    await until("the answered figure to change", async () => (await figure(board, "wallboard-answered")) === "1");
    await until("the waiting count to go down", async () => (await figure(board, "wallboard-waiting")) === "0");
    assert.equal(await figure(board, "wallboard-agents-busy"), "1");
    assert.equal(await figure(board, "wallboard-service-level") !== "—", true, "one answer: a service level");
    assert.equal((await row.locator('[data-field="answered"]').innerText()).trim(), "1");
    assert.equal(await board.evaluate(() => (window as unknown as { wallboardMark?: number }).wallboardMark), 1, "the page was not reloaded");
    assertChinese(await board.locator("main").innerText(), "the wallboard with figures");

    // The export downloads the day's events: the entry and its answer among them.
    const [download] = await Promise.all([board.waitForEvent("download"), board.getByTestId("wallboard-export").click()]);
    assert.match(download.suggestedFilename(), /^queue-events-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), "utf8");
    assert.match(csv, /^id,at,type,queueId,entryId,agentId,payload\r\n/);
    for (const type of ["entered", "offered", "answered"]) assert.ok(csv.includes(`,${type},${roadside.id},`), `the export holds the ${type} event`);

    // The rules page: a bad value is refused beside its field, in Chinese, and nothing is stored.
    await board.getByTestId("nav-queue-rules").click();
    await board.waitForURL(/\/admin\/queues\/rules$/);
    await board.getByTestId("rules-queue").selectOption(roadside.id);
    await board.locator(`[data-testid="rules-form"][data-queue-id="${roadside.id}"]`).waitFor();
    assert.equal(await board.getByTestId("rules-offerTimeoutSec").inputValue(), "300");
    assertChinese(await board.locator("main").innerText(), "the rules page");
    await board.getByTestId("rules-offerTimeoutSec").fill("1");
    await board.getByTestId("rules-save").click();
    await board.getByTestId("rules-error").waitFor();
    assert.equal(await board.getByTestId("rules-offerTimeoutSec-error").innerText(), "请输入 3 到 600 之间的整数。");
    assert.equal(await board.getByTestId("rules-offerTimeoutSec").getAttribute("aria-invalid"), "true");
    assert.equal((await svc.rulesOf(roadside.id)).offerTimeoutSec, 300, "the refused value is not stored");
    // Switched to English, the mark already shown is reworded.
    await board.getByTestId("language-switch").click();
    await until("the mark in English", async () => (await board.getByTestId("rules-offerTimeoutSec-error").innerText()) === "Enter a whole number from 3 to 600.");
    await board.getByTestId("language-switch").click();

    // Corrected, with overflow to the glass queue, a callback offer after 10 minutes and least-busy routing.
    await board.getByTestId("rules-offerTimeoutSec").fill("45");
    await board.getByTestId("rules-overflowQueueId").selectOption(glass.id);
    await board.getByTestId("rules-overflowAfterSec").fill("90");
    await board.getByTestId("rules-maxWaitSec").fill("600");
    await board.getByTestId("rules-strategy").selectOption("least-busy");
    await board.getByTestId("rules-vipFirst").uncheck();
    await board.getByTestId("rules-save").click();
    await board.getByTestId("rules-saved").waitFor();

    // Read back through the API with the admin's session, and as the routing engine reads it.
    const cookies = (await board.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    const res = await fetch(`${product.url}/api/trpc/queueAdmin.queues`, { headers: { Cookie: cookies } });
    assert.equal(res.status, 200);
    const { queues } = superjson.deserialize((await res.json()).result.data) as { queues: { id: string; rules: Record<string, unknown> }[] };
    const stored = queues.find((q) => q.id === roadside.id)!.rules;
    assert.deepEqual(
      [stored.offerTimeoutSec, stored.overflowQueueId, stored.overflowAfterSec, stored.maxWaitSec, stored.strategy, stored.vipFirst],
      [45, glass.id, 90, 600, "least-busy", false],
    );
    assert.deepEqual(await svc.rulesOf(roadside.id), stored);
  } finally {
    await db.$disconnect();
  }
});
