// An agent withdraws a link sent to the wrong person: whoever is in the call
// with it is dropped at once and told why, the link shows the withdrawn page
// from then on, and a fresh link works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";
import { callSnapshot } from "../support/page-state";
import { until } from "../support/until";

const session = browserSession();

/** An agent who has created a survey from the console and joined its call; the driver's link not yet opened. */
async function agentInNewSurvey() {
  const agent = await session.newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);
  return { agent, policyholderLink };
}

test("a withdrawn link drops its holder from the call and stops working; a new link works", { timeout: 600_000 }, async () => {
  const { agent, policyholderLink } = await agentInNewSurvey();
  const phone = await session.newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);

  await agent.getByTestId("invite-links").click();
  const active = agent.locator('[data-testid="invite-row"][data-role="policyholder"][data-state="active"]');
  assert.equal(await active.count(), 1);
  await active.getByTestId("invite-withdraw").click();

  // The withdrawal went through (the agent's list says so), then the phone is
  // dropped and told why, and the agent no longer sees it. Two waits, so a
  // failure says which side stopped; the server's own line on the drop is shown.
  await agent.locator('[data-testid="invite-row"][data-role="policyholder"][data-state="withdrawn"]').waitFor();
  const dropLine = () => session.product.logs().split("\n").find((l) => l.includes("dropping its holders")) ?? "(the server logged no drop)";
  const shown = await phone
    .getByTestId("invite-problem")
    .getAttribute("data-code")
    .catch((err: unknown) => assert.fail(`the phone shows no withdrawn-link page: ${(err as Error).message.split("\n")[0]}\nserver: ${dropLine()}`));
  assert.equal(shown, "INVITE_REVOKED");
  await waitForRemoteRoles(agent, []);
  assert.equal(await phone.getByTestId("remote-video").count(), 0);

  // Opening the link again: the withdrawn page, nothing to join.
  const again = await session.newPage(phoneContext);
  await again.goto(policyholderLink);
  assert.equal(await again.getByTestId("invite-problem").getAttribute("data-code"), "INVITE_REVOKED");
  assert.equal(await again.getByTestId("join-button").count(), 0);

  // A fresh link for the right person joins the same survey.
  await agent.locator('[data-testid="invite-reissue"][data-role="policyholder"]').click();
  const freshLink = (await agent.getByTestId("invite-link-policyholder").textContent())!.trim();
  assert.notEqual(freshLink, policyholderLink);
  const right = await session.newPage(phoneContext);
  await inviteeJoins(right, freshLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await waitForRemoteRoles(right, ["agent"]);

  assert.equal((await session.product.health()).rooms, 1, "the survey's room carried on throughout");
});

test("a link withdrawn while the driver is still reading the join page: the page says so at once, with nothing to join", { timeout: 600_000 }, async () => {
  const { agent, policyholderLink } = await agentInNewSurvey();
  // The page connects while it is read (signalling and transports warmed up); the driver has not tapped "join".
  const phone = await session.newPage(phoneContext);
  await phone.goto(policyholderLink);
  await phone.locator('[data-testid="join-button"][data-receive-ready="true"]').waitFor();

  await agent.getByTestId("invite-links").click();
  await agent.locator('[data-testid="invite-row"][data-role="policyholder"][data-state="active"]').getByTestId("invite-withdraw").click();
  await agent.locator('[data-testid="invite-row"][data-role="policyholder"][data-state="withdrawn"]').waitFor();

  assert.equal(await phone.getByTestId("invite-problem").getAttribute("data-code"), "INVITE_REVOKED");
  assert.equal(await phone.getByTestId("join-button").count(), 0);
});

/**
 * Injected into the phone before its scripts: the camera opens but is handed to
 * the page only on __releaseCamera(), and every socket's close handler waits for
 * __releaseCloses(), the socket reading CLOSING meanwhile. That is what a page
 * sees between the server's close frame and the close event, which alone says
 * why the socket closed; on a slow link or a busy phone that gap is real, and
 * holding the handler widens it so a join step lands in it every time.
 */
const holdCameraAndCloses = `(() => {
  const w = window;
  let releaseCamera, releaseCloses;
  const camera = new Promise((r) => (releaseCamera = r));
  const closes = new Promise((r) => (releaseCloses = r));
  w.__releaseCamera = () => releaseCamera();
  w.__releaseCloses = () => releaseCloses();
  w.__closesHeld = 0;
  const md = navigator.mediaDevices;
  const open = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => { const s = await open(c); await camera; return s; };
  const held = new WeakSet();
  const readyState = Object.getOwnPropertyDescriptor(WebSocket.prototype, "readyState");
  Object.defineProperty(WebSocket.prototype, "readyState", {
    configurable: true,
    get() { return held.has(this) ? WebSocket.CLOSING : readyState.get.call(this); },
  });
  const onclose = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onclose");
  Object.defineProperty(WebSocket.prototype, "onclose", {
    configurable: true,
    get() { return onclose.get.call(this); },
    set(handler) {
      onclose.set.call(
        this,
        handler &&
          function (ev) {
            held.add(this);
            w.__closesHeld += 1;
            closes.then(() => { held.delete(this); handler.call(this, ev); });
          },
      );
    },
  });
})();`;

test("a link withdrawn while the phone is still producing its camera: the phone shows the withdrawn-link page, not an error", { timeout: 600_000 }, async () => {
  const { agent, policyholderLink } = await agentInNewSurvey();
  const phone = await session.newPage(phoneContext);
  await phone.addInitScript({ content: holdCameraAndCloses });
  await inviteeJoins(phone, policyholderLink);
  // In the room (the others are seen), the camera not yet handed over: nothing produced.
  await until("the phone's join answered", async () => (await callSnapshot(phone)).trace.some((l) => l.includes("join: in")));

  await agent.getByTestId("invite-links").click();
  await agent.locator('[data-testid="invite-row"][data-role="policyholder"][data-state="active"]').getByTestId("invite-withdraw").click();
  await agent.locator('[data-testid="invite-row"][data-role="policyholder"][data-state="withdrawn"]').waitFor();
  await until("the server's close reaching the phone", () => phone.evaluate(() => (window as unknown as { __closesHeld: number }).__closesHeld > 0));

  // The camera arrives now: producing it sends a join step on the closing socket, which cannot carry it.
  await phone.evaluate(() => (window as unknown as { __releaseCamera: () => void }).__releaseCamera());
  const step = await until("the phone's join step meeting the closing socket", async () => {
    const { trace } = await callSnapshot(phone);
    return trace.find((l) => /(connectTransport|produce) held: the socket is closing|failed:/.test(l));
  });
  assert.match(step, /held: the socket is closing/, `the join step was refused before the close said why: ${step}`);

  await phone.evaluate(() => (window as unknown as { __releaseCloses: () => void }).__releaseCloses());
  assert.equal(await phone.getByTestId("invite-problem").getAttribute("data-code"), "INVITE_REVOKED");
  const { phase, error } = await callSnapshot(phone).catch(() => ({ phase: "(page changed)", error: null }));
  assert.notEqual(phase, "error", `the phone's call ended in an error (${error}) rather than the withdrawn link`);
  await waitForRemoteRoles(agent, []);
});
