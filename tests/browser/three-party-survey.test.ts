// The three-party survey, end to end, in real Chromium against the real
// product: console → links → three parties see and hear each other → chat →
// drop and rejoin → the agent ends it → media torn down, links dead.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { desktopContext, laptopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import {
  agent1,
  agentJoins,
  byRoleKind,
  createSurveyInConsole,
  inboundStats,
  inviteeJoins,
  loginAs,
  waitForRemoteRoles,
  endSurveyWithoutStatement,
} from "../support/survey-flow";
import { signallingProtocols } from "../../server/signalling/ws-credentials";

const session = browserSession();
const newPage = session.newPage;

/**
 * Media flows when, for every role, decoded video frames and received audio
 * packets keep rising. Polled against a generous deadline rather than sampled
 * once over a fixed 2.5 s: on a loaded machine the first frames of a freshly
 * consumed track can take many seconds, and that is slowness, not failure.
 */
async function assertMediaFlows(page: Page, fromRoles: string[], deadlineMs = 90_000) {
  const first = await inboundStats(page);
  const f1 = byRoleKind(first, "framesDecoded");
  const a1 = byRoleKind(first, "packetsReceived");
  const until = Date.now() + deadlineMs;
  for (;;) {
    await page.waitForTimeout(1000);
    const second = await inboundStats(page);
    const f2 = byRoleKind(second, "framesDecoded");
    const a2 = byRoleKind(second, "packetsReceived");
    const stalled = fromRoles.flatMap((role) => [
      ...((f2[`${role}/video`] ?? 0) > (f1[`${role}/video`] ?? 0) ? [] : [`video frames from ${role} are being decoded (${f1[`${role}/video`]} → ${f2[`${role}/video`]})`]),
      ...((a2[`${role}/audio`] ?? 0) > (a1[`${role}/audio`] ?? 0) ? [] : [`audio packets from ${role} are arriving (${a1[`${role}/audio`]} → ${a2[`${role}/audio`]})`]),
    ]);
    if (stalled.length === 0) return;
    if (Date.now() > until) assert.fail(stalled.join("; "));
  }
}

test("three parties join from the console and two links, see and hear each other, chat, and the agent ends it", { timeout: 600_000 }, async () => {
  const agent = await newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink, adjusterLink } = await createSurveyInConsole(agent);
  assert.match(policyholderLink, /\/join\/[A-Za-z0-9_-]{32}$/);

  // The default SMS sender wrote the policyholder's message to the outbox; staff see the link masked.
  await agent.goto(`${session.product.url}/outbox`);
  await agent.getByTestId("outbox-message").first().waitFor();
  const outbox = await agent.getByTestId("outbox-message").allTextContents();
  const token = policyholderLink.split("/").pop()!;
  assert.ok(outbox.some((t) => t.includes(`/join/${token.slice(0, 4)}••••••••`)), "the policyholder's SMS is listed, its link masked");
  assert.ok(!outbox.some((t) => t.includes(token)), "the outbox never shows the whole link");

  await agentJoins(agent, session.product.url, surveyId);
  const policyholder = await newPage(phoneContext);
  await policyholder.goto(policyholderLink);
  // The phone connects its receiving side while the person reads the page, so the tap only costs the join.
  await policyholder.locator('[data-testid="join-button"][data-receive-ready="true"]').waitFor({ timeout: 90_000 });
  await policyholder.getByTestId("join-button").click();
  const adjuster = await newPage(laptopContext);
  await inviteeJoins(adjuster, adjusterLink);

  await waitForRemoteRoles(agent, ["policyholder", "adjuster"]);
  await waitForRemoteRoles(policyholder, ["agent", "adjuster"]);
  await waitForRemoteRoles(adjuster, ["agent", "policyholder"]);
  await assertMediaFlows(agent, ["policyholder", "adjuster"]);
  await assertMediaFlows(policyholder, ["agent", "adjuster"]);
  await assertMediaFlows(adjuster, ["agent", "policyholder"]);

  // Chat crosses in both directions and reaches all three (on the phone the chat is a sheet).
  await policyholder.getByTestId("chat-open").click();
  await policyholder.getByTestId("chat-input").fill("车在路边，右前门有凹陷");
  await policyholder.getByTestId("chat-send").click();
  await agent.getByTestId("chat-message").filter({ hasText: "右前门有凹陷" }).waitFor();
  await adjuster.getByTestId("chat-message").filter({ hasText: "右前门有凹陷" }).waitFor();
  await agent.getByTestId("chat-input").fill("Please film the front right door");
  await agent.getByTestId("chat-send").click();
  await policyholder.getByTestId("chat-message").filter({ hasText: "front right door" }).waitFor();
  await policyholder.getByTestId("chat-close").click();
  await adjuster.getByTestId("chat-message").filter({ hasText: "front right door" }).waitFor();

  // The adjuster drops (tab gone): the others stop showing them; the same link rejoins.
  await adjuster.context().close();
  await waitForRemoteRoles(agent, ["policyholder"]);
  await waitForRemoteRoles(policyholder, ["agent"]);
  const adjusterAgain = await newPage(laptopContext);
  await inviteeJoins(adjusterAgain, adjusterLink);
  await waitForRemoteRoles(agent, ["policyholder", "adjuster"]);
  await waitForRemoteRoles(adjusterAgain, ["agent", "policyholder"]);
  await assertMediaFlows(adjusterAgain, ["agent", "policyholder"]);
  // Chat history survives the rejoin.
  await adjusterAgain.getByTestId("chat-message").filter({ hasText: "右前门有凹陷" }).waitFor();

  // Muting the camera is seen by the others as camera-off.
  await policyholder.getByTestId("toggle-cam").click();
  await agent.locator('[data-testid="remote-tile"][data-role="policyholder"] .tile-off').waitFor();
  await policyholder.getByTestId("toggle-cam").click();
  await agent.locator('[data-testid="remote-tile"][data-role="policyholder"] .tile-off').waitFor({ state: "detached" });

  const during = await session.product.health();
  assert.equal(during.media.routers, 1);
  assert.ok(during.media.producers >= 6, `six producers while all three are in (got ${during.media.producers})`);

  // The agent ends the survey: everyone is disconnected and every media object is gone.
  await endSurveyWithoutStatement(agent);
  await policyholder.getByTestId("call-ended").waitFor();
  await adjusterAgain.getByTestId("call-ended").waitFor();
  await agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();
  const afterEnd = await session.product.health();
  assert.deepEqual(
    { rooms: afterEnd.rooms, ...afterEnd.media },
    { rooms: 0, workers: during.media.workers, routers: 0, transports: 0, producers: 0, consumers: 0 },
  );

  // The links no longer work.
  const late = await newPage(phoneContext);
  await late.goto(policyholderLink);
  assert.equal(await late.getByTestId("invite-problem").getAttribute("data-code"), "SURVEY_CLOSED");
  assert.equal(await late.getByTestId("join-button").count(), 0, "a closed survey's page offers no join");
  const ws = await fetch(`${session.product.url}/ws/survey`, {
    headers: { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": signallingProtocols(policyholderLink.split("/").pop()).join(", ") },
  }).catch((e) => e);
  assert.ok(!(ws instanceof Response) || ws.status === 410, "the signalling endpoint refuses a closed survey's link");
});
