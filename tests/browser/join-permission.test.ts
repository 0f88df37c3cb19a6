// A policyholder who refuses the camera and microphone: the phone joins the
// others as soon as it taps (it does not wait for the camera), so a refusal must
// still end with a clear message on the phone, no tile left on the agent's
// screen, and a working retry once the person allows it. The same for the agent:
// a failed join says why on the console and offers the retry, instead of an empty call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

const session = browserSession({ launch: () => launchBrowser({ askForMedia: true }) });
const media = ["camera", "microphone"];

test("a refused camera shows why, leaves nobody behind on the agent's screen, and a retry joins", { timeout: 600_000 }, async () => {
  const agent = await session.newPage({ ...desktopContext, permissions: media });
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);

  const phone = await session.newPage(phoneContext);
  await phone.goto(policyholderLink);
  await phone.getByTestId("join-button").click();
  const error = phone.getByTestId("call-error");
  assert.equal(await error.getAttribute("data-code", { timeout: 90_000 }), "PERMISSION_DENIED");
  assert.equal(await phone.getByTestId("remote-video").count(), 0, "the phone shows no call behind the message");
  await waitForRemoteRoles(agent, [], 10_000);
  await phone.waitForTimeout(1000);
  assert.equal(await agent.getByTestId("remote-video").count(), 0, "no policyholder tile comes back on the agent's screen");

  await phone.context().grantPermissions(media);
  await error.getByRole("button").click();
  await waitForRemoteRoles(agent, ["policyholder"]);
  await waitForRemoteRoles(phone, ["agent"]);
  await phone.waitForFunction(() => (document.querySelector('[data-testid="remote-video"]') as HTMLVideoElement | null)?.readyState === 4, undefined, { timeout: 90_000 });
});

test("an agent whose camera is refused is told why on the console, and a retry joins", { timeout: 600_000 }, async () => {
  const agent = await session.newPage({ ...desktopContext });
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);
  const error = agent.getByTestId("call-error");
  assert.equal(await error.getAttribute("data-code", { timeout: 90_000 }), "PERMISSION_DENIED");
  assert.match((await error.textContent()) ?? "", /Camera or microphone access was refused/);

  await agent.context().grantPermissions(media);
  await error.getByRole("button").click();
  const phone = await session.newPage({ ...phoneContext, permissions: media });
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await waitForRemoteRoles(phone, ["agent"]);
  assert.equal(await agent.getByTestId("call-error").count(), 0, "the message goes once the agent is in the call");
});
