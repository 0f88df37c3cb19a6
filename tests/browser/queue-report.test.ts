// Reporting a claim by video through the queue, in real Chromium against the
// real product: a driver fills the start form on a phone and waits with place
// and estimated wait; a second driver queues behind; the agent goes ready on the
// console, the offer rings with the driver's facts and a countdown, the agent
// accepts; the first driver's page moves by itself into the survey's call and
// both see each other; the second driver moves up to place 1, then asks to be
// called back, and their page shows the booked call back; the survey's end puts
// the agent into wrap-up, then ready, and the callback rings for them; the agent
// accepts, the page the driver kept open goes into the call, and the outbox
// holds the SMS whose link opens the same survey. While waiting, the first driver sees the built-in guide and
// takes a photo, kept on the phone until the agent answers; it then reaches the survey through the quality gate.
// At the end the agent transfers the called-back driver's survey to the colleague, who accepts the ringing
// offer and joins: the driver never left the call, the survey is the colleague's, its timeline says so.
// The queue and its agents are set up through the queue service on the product's own database.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { statSync } from "node:fs";
import type { Page } from "playwright-core";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, byRoleKind, inboundStats, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "../support/survey-flow";
import { demoAccounts } from "../../server/db/seed-demo";
import { closeSurvey } from "../../server/domain/surveys";
import { assertChinese } from "../support/untranslated";
import { createDb } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { QueueService } from "../../server/queue/queue-service";
import type { Db } from "../../server/db/client";
import { codeSentTo } from "../queue/queue-fixtures";
import { until } from "../support/until";

const session = browserSession();
const agent2 = demoAccounts.find((a) => a.email === "agent2@example.com")!;
const photo = path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg");
const QUEUE = "roadside";


/**
 * The driver's start form on the phone: the number, the code from the SMS (read from the
 * product's outbox, as the phone would receive it), the facts; returns the waiting page's token.
 * `firstTry`: a code typed before the right one, whose refusal the page shows.
 */
async function reportByVideo(page: Page, baseUrl: string, db: Db, facts: { mobile: string; plate: string }, firstTry?: (code: string) => Promise<void>): Promise<string> {
  await page.goto(`${baseUrl}/report/${QUEUE}`);
  await page.getByTestId("report-mobile").fill(facts.mobile);
  await page.getByTestId("report-send-code").click();
  await page.getByTestId("report-code-sent").waitFor();
  const code = await until("the code's SMS", () => codeSentTo(db, facts.mobile).catch(() => null));
  await page.getByTestId("report-plate").fill(facts.plate);
  await page.getByTestId("report-claim-type").selectOption("motor_collision");
  if (firstTry) await firstTry(code);
  await page.getByTestId("report-code").fill(code);
  await page.getByTestId("report-submit").click();
  await page.waitForURL(/\/report\/wait\/[A-Za-z0-9_-]+$/);
  return page.url().split("/").pop()!;
}

const waitingAt = (page: Page, position: number) => page.locator(`[data-testid="queue-waiting"][data-status="waiting"][data-position="${position}"]`).waitFor();

/** Video frames from `role` keep being decoded on this page (polled against a generous deadline). */
async function seesVideoFrom(page: Page, role: string, deadlineMs = 90_000) {
  const first = byRoleKind(await inboundStats(page), "framesDecoded")[`${role}/video`] ?? 0;
  await until(`video frames from ${role}`, async () => (byRoleKind(await inboundStats(page), "framesDecoded")[`${role}/video`] ?? 0) > first, deadlineMs);
}


test("a driver reports by video, waits with place and estimate, the agent accepts the ringing offer, and both are in the call; the next driver moves up", { timeout: 600_000 }, async (t) => {
  const { product } = session;
  const db = createDb(databaseTarget(`file:${path.join(product.dataDir, "claims-survey.db")}`));
  try {
    const svc = new QueueService({ db, provider: "sqlite" });
    // A long offer timeout: on a loaded machine the agent's click must not race the ring.
    const queue = await svc.createQueue(QUEUE, { offerTimeoutSec: 300, wrapUpSec: 5 });
    const agentId = (await db.user.findUniqueOrThrow({ where: { email: agent1.email } })).id;
    const colleague = (await db.user.findUniqueOrThrow({ where: { email: "agent2@example.com" } })).id;
    await svc.upsertAgent({ userId: agentId, queueIds: [queue.id] });
    await svc.upsertAgent({ userId: colleague, queueIds: [queue.id] });

    // The colleague is on duty, in a survey with an earlier driver (put in the queue by the insurer's app):
    // so the drivers below get a number for their wait, while nobody is ready for them.
    const earlier = await fetch(`${product.url}/api/v1/queue-entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}` },
      body: JSON.stringify({ queue: QUEUE, plate: "沪B·E0001", claimType: "motor_collision", policyholderMobile: "13700137000" }),
    });
    assert.equal(earlier.status, 201, await earlier.clone().text());
    await svc.setReady(colleague);
    // Offered by this router or the product's own (both route on the same database).
    const first = await until("the colleague's offer", () => db.queueOffer.findFirst({ where: { agentId: colleague, status: "pending" } }));
    await svc.accept(first.id, colleague);

    // Driver 1 reports on the phone (zh-CN) and waits: place 1, one round of handling time.
    const driver = await session.newPage(phoneContext);
    await driver.goto(`${product.url}/report/${QUEUE}`);
    await driver.getByTestId("report-form").waitFor();
    assertChinese(await driver.locator("main").innerText(), "the start form");
    const token = await reportByVideo(driver, product.url, db, { mobile: "13800138000", plate: "沪A·Q0001" }, async (code) => {
      // The send button counts down to the next code it may ask for.
      assert.match(await driver.getByTestId("report-send-code").innerText(), /\d+ 秒后可重新发送/);
      // A wrong code is refused in the page's language, and the form stays.
      await driver.getByTestId("report-code").fill(String((Number(code) + 1) % 1_000_000).padStart(6, "0"));
      await driver.getByTestId("report-submit").click();
      assert.match(await driver.getByTestId("report-problems").innerText(), /验证码不正确/);
      assertChinese(await driver.locator("main").innerText(), "the refused code");
    });
    await waitingAt(driver, 1);
    const estimate = Number(await driver.getByTestId("queue-waiting").getAttribute("data-estimate"));
    assert.ok(estimate > 0, `an estimated wait is shown (${estimate} s)`);
    assert.match(await driver.getByTestId("queue-estimate").innerText(), /约 \d+ 分钟/);
    await driver.getByTestId("queue-safety").waitFor();
    // The built-in guide: safety first, then the photos the driver can already take, each with its picture.
    const guideStart = performance.now();
    await driver.getByTestId("queue-photos-now").waitFor();
    assert.match(await driver.getByTestId("queue-safety").innerText(), /危险报警闪光灯[\s\S]*现在就可以先拍这些照片[\s\S]*损伤近照/);
    await driver.getByTestId("queue-photo-input-damage_closeup").setInputFiles(photo);
    await driver.locator('[data-testid="queue-photo-item-damage_closeup"][data-kept="1"]').waitFor();
    assert.match(await driver.getByTestId("queue-photos-kept").innerText(), /已在本机保存 1 张照片/);
    assertChinese(await driver.locator("main").innerText(), "the waiting screen");
    let guideMs = performance.now() - guideStart;

    // Driver 2 enters while no agent is ready: place 2.
    const second = await session.newPage(phoneContext);
    await reportByVideo(second, product.url, db, { mobile: "13900139000", plate: "沪A·Q0002" });
    await waitingAt(second, 2);

    // The agent goes ready on the console; the offer rings with driver 1's facts and a countdown.
    const agent = await session.newPage(desktopContext);
    await loginAs(agent, product.url, agent1);
    await agent.locator('[data-testid="queue-panel"][data-state="away"]').waitFor();
    await agent.getByTestId("queue-ready").click();
    const offer = agent.getByTestId("queue-offer");
    await offer.waitFor();
    assert.equal(await agent.getByTestId("queue-offer-plate").innerText(), "沪A·Q0001");
    const countdown = agent.getByTestId("queue-offer-countdown");
    const s1 = Number(await countdown.getAttribute("data-seconds"));
    assert.ok(s1 > 0 && s1 <= 300, `the countdown shows the offer's deadline (${s1} s)`);
    await until("the countdown to run", async () => Number(await countdown.getAttribute("data-seconds")) < s1);
    // Meanwhile the phone says it is being connected.
    await driver.locator('[data-testid="queue-waiting"][data-status="offered"]').waitFor();

    // Accept: the agent's page is the new survey's call page; the driver's page goes there by itself.
    await agent.getByTestId("queue-accept").click();
    await agent.waitForURL(/\/console\/surveys\/[^/]+$/);
    const surveyId = agent.url().split("/").pop()!;
    await agent.getByTestId("join-button").click();
    await driver.waitForURL(new RegExp(`/join/${token}$`));
    await driver.getByTestId("join-button").click();
    await waitForRemoteRoles(agent, ["policyholder"]);
    await waitForRemoteRoles(driver, ["agent"]);
    await seesVideoFrom(agent, "policyholder");
    await seesVideoFrom(driver, "agent");

    // The survey is the driver's: their facts, and the queue's story in its timeline.
    const survey = await db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: true, events: { orderBy: { seq: "asc" } } } });
    assert.equal(survey.agentId, agentId);
    assert.equal(survey.claim.plate, "沪A·Q0001");
    assert.deepEqual(survey.events.map((e) => e.type).filter((x) => x.startsWith("queue.")), ["queue.entered", "queue.offered", "queue.answered"]);
    // The photo taken while waiting went through the quality gate into this survey, under its checklist item.
    const photoStart = performance.now();
    const waitingPhoto = await until("the photo taken while waiting", () => db.capture.findFirst({ where: { surveyId, itemKey: "damage_closeup" } }));
    assert.equal(waitingPhoto.verdict, "accepted", `the sharp photo passes the quality gate (${waitingPhoto.reasons})`);
    assert.equal(waitingPhoto.byteSize, statSync(photo).size, "the original, byte for byte");
    guideMs += performance.now() - photoStart;

    // Driver 2 moves up to place 1 (both agents now in surveys), then asks to be called back.
    await waitingAt(second, 1);
    assert.ok(Number(await second.getByTestId("queue-waiting").getAttribute("data-estimate")) > 0);
    const secondToken = second.url().split("/").pop()!;
    await second.getByTestId("queue-callback").click();
    // The page now watches the callback entry: its own address, a booked call back with the driver's number.
    await second.waitForURL((u) => /\/report\/wait\/[A-Za-z0-9_-]+$/.test(u.pathname) && !u.pathname.endsWith(secondToken));
    const callbackToken = second.url().split("/").pop()!;
    const booked = second.locator('[data-testid="queue-waiting"][data-mode="callback"][data-status="waiting"]');
    await booked.waitFor();
    assert.match(await second.getByTestId("queue-callback-booked").innerText(), /139\*\*\*\*9000/);
    assertChinese(await second.locator("main").innerText(), "the callback confirmation");
    const callback = await db.queueEntry.findFirstOrThrow({ where: { plate: "沪A·Q0002", mode: "callback" } });
    assert.equal(callback.status, "waiting", "the callback waits for the next free agent");
    const earlierEntry = await db.queueEntry.findFirstOrThrow({ where: { plate: "沪A·Q0002", mode: "live" }, select: { status: true } });
    assert.equal(earlierEntry.status, "abandoned", "the live entry ended with the callback");

    // The agent ends the survey: wrap-up, then ready again by the queue's timer, and the callback rings for them.
    await endSurveyWithoutStatement(agent);
    await driver.getByTestId("call-ended").waitFor();
    await agent.goto(`${product.url}/console`);
    await agent.locator('[data-testid="queue-panel"][data-state="wrapup"], [data-testid="queue-panel"][data-state="ready"], [data-testid="queue-panel"][data-state="offered"]').first().waitFor();
    const states = async () => (await db.queueEvent.findMany({ where: { agentId, type: "agent.state" }, orderBy: [{ at: "asc" }, { id: "asc" }], select: { payload: true } })).map((e) => JSON.parse(e.payload).state);
    await until("wrap-up to end", async () => (await states()).length >= 3);
    assert.deepEqual(await states(), ["ready", "wrapup", "ready"]);
    await agent.locator('[data-testid="queue-offer"]').waitFor();
    assert.equal(await agent.getByTestId("queue-offer-plate").innerText(), "沪A·Q0002");
    assert.match(await agent.getByTestId("queue-offer").innerText(), /Callback request/);

    // The agent accepts the callback: the page the driver kept open goes into the call by itself.
    await agent.getByTestId("queue-accept").click();
    await agent.waitForURL((u) => /\/console\/surveys\/[^/]+$/.test(u.pathname) && !u.pathname.endsWith(surveyId));
    const callbackSurveyId = agent.url().split("/").pop()!;
    await agent.getByTestId("join-button").click();
    await second.waitForURL(new RegExp(`/join/${callbackToken}$`));
    await second.getByTestId("join-button").click();
    await waitForRemoteRoles(agent, ["policyholder"]);
    await waitForRemoteRoles(second, ["agent"]);
    await seesVideoFrom(agent, "policyholder");
    await seesVideoFrom(second, "agent");

    // The outbox holds the driver's SMS, in Chinese, with a link that opens this survey's call.
    const texts = await db.outboxMessage.findMany({ where: { surveyId: callbackSurveyId } });
    assert.equal(texts.length, 1, "one SMS for the called-back driver");
    assert.equal(texts[0]!.to, "13900139000");
    assert.match(texts[0]!.body, /您好，您的理赔案件 CLM-\d{8}-[0-9A-F]{8} 需要进行视频查勘/);
    const link = /https?:\/\/[^\s（]+\/join\/[A-Za-z0-9_-]+/.exec(texts[0]!.body)?.[0];
    assert.ok(link?.startsWith(`${product.url}/join/`), `the SMS holds a link to this product: ${texts[0]!.body}`);
    assert.ok(!link!.endsWith(callbackToken), "the SMS carries its own link");
    const callbackSurvey = await db.survey.findUniqueOrThrow({ where: { id: callbackSurveyId }, include: { claim: true, events: { orderBy: { seq: "asc" } } } });
    assert.equal(callbackSurvey.claim.plate, "沪A·Q0002");
    // The link checks out on the join page: this survey's claim, no link problem.
    const fromSms = await session.newPage(phoneContext);
    await fromSms.goto(link!);
    await fromSms.getByText(`${callbackSurvey.claim.claimNumber} · 沪A·Q0002`).waitFor();
    assert.equal(await fromSms.getByTestId("invite-problem").count(), 0);
    assertChinese(await fromSms.locator("main").innerText(), "the SMS link's join page");
    await fromSms.close();
    assert.deepEqual(
      callbackSurvey.events.map((e) => e.type).filter((x) => x.startsWith("queue.") || x === "sms.queued"),
      ["queue.callback", "queue.offered", "queue.answered", "sms.queued"],
    );

    // Transfer. The colleague's earlier survey ends and they go ready; agent 1 passes the called-back
    // driver's survey to them from the survey page, while the driver stays in the call.
    const transferStart = performance.now();
    const earlierSurveyId = (await db.queueEntry.findFirstOrThrow({ where: { plate: "沪B·E0001" }, select: { surveyId: true } })).surveyId!;
    await closeSurvey(db, { surveyId: earlierSurveyId, actor: { id: colleague, role: "agent" }, withoutStatement: { reason: "driver_left" } });
    await svc.surveyEnded(earlierSurveyId);
    await svc.setReady(colleague);
    const other = await session.newPage(desktopContext);
    await loginAs(other, product.url, agent2);
    await other.locator('[data-testid="queue-panel"][data-state="ready"]').waitFor();
    await agent.locator(`[data-testid="transfer-target"] option[value="agent:${colleague}"]`).waitFor({ state: "attached" });
    await agent.getByTestId("transfer-target").selectOption(`agent:${colleague}`);
    await agent.getByTestId("transfer-send").click();
    await agent.getByTestId("transfer-pending").waitFor();
    // The offer rings on the colleague's console with the claim's facts and a countdown.
    await other.locator('[data-testid="queue-offer"][data-transfer="yes"]').waitFor();
    assert.equal(await other.getByTestId("queue-offer-plate").innerText(), "沪A·Q0002");
    assert.ok(Number(await other.getByTestId("queue-offer-countdown").getAttribute("data-seconds")) > 0);
    await other.getByTestId("queue-accept").click();
    await other.waitForURL(new RegExp(`/console/surveys/${callbackSurveyId}$`));
    // The colleague sees the survey and joins its call: the driver is there already.
    assert.match(await other.getByTestId("survey-status").innerText(), /\S/);
    await other.getByTestId("join-button").click();
    await waitForRemoteRoles(other, ["agent", "policyholder"]);
    // Agent 1 saw the hand-over and the new agent arrive, then leaves; the driver stays with the colleague.
    await agent.getByTestId("transfer-new-agent-in").waitFor();
    await agent.getByTestId("transfer-leave").click();
    await agent.waitForURL(/\/console$/);
    // (Frames from the colleague on the driver's phone, the one media check this part pays for.)
    await waitForRemoteRoles(second, ["agent"]);
    await seesVideoFrom(second, "agent");
    const handed = await db.survey.findUniqueOrThrow({ where: { id: callbackSurveyId }, include: { events: { orderBy: { seq: "asc" } } } });
    assert.equal(handed.agentId, colleague, "the survey is the colleague's");
    assert.equal(handed.status, "open", "the call goes on");
    assert.deepEqual(
      handed.events.map((e) => e.type).filter((x) => x.startsWith("queue.")),
      ["queue.callback", "queue.offered", "queue.answered", "queue.transferred", "queue.offered", "queue.answered"],
    );
    assert.equal(await db.outboxMessage.count({ where: { surveyId: callbackSurveyId } }), 1, "no second SMS");
    // The browser time these two parts add to the lane (the photo's upload after accept overlaps the call's start).
    t.diagnostic(`waiting guide and photo: ${Math.round(guideMs)} ms; transfer: ${Math.round(performance.now() - transferStart)} ms`);
  } finally {
    await db.$disconnect();
  }
});
