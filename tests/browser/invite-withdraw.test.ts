// An agent withdraws a link sent to the wrong person: whoever is in the call
// with it is dropped at once and told why, the link shows the withdrawn page
// from then on, and a fresh link works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

const session = browserSession();

test("a withdrawn link drops its holder from the call and stops working; a new link works", { timeout: 600_000 }, async () => {
  const agent = await session.newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);
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
  const agent = await session.newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);
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
