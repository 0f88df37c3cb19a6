// The phone screen during a capture step, in real Chromium at phone sizes
// (360×640 and 390×844 portrait, both in landscape): the camera, the guide of
// the item asked for, its name and instruction and the shutter are all on the
// screen without scrolling, and nothing covers anything else; the self-view
// never covers a remote participant on any of the three screens; the verdict
// names the item and the reason and retakes in one tap on both sides; the chat
// is a sheet whose send button stays on one line; a tap on "join" that spans the
// link check's answer still joins. Screenshots of every size
// are written to $SCREENSHOT_DIR (default: a temporary folder) for a person to look at.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { browserSession } from "../support/browser-session";
import { launchBrowser, phoneContext } from "../support/browser";
import { y4mFromPhoto } from "../support/fake-camera";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

const photos = path.resolve(import.meta.dirname, "../fixtures/photos");
// The phone's camera sees a motion-blurred street: every photo is refused, so the retake path is exercised.
const session = browserSession({ launch: () => launchBrowser({ fakeVideoFile: y4mFromPhoto(path.join(photos, "city-motion-blur.jpg")) }) });
// The machine running the tests may be loaded: navigations and waits get room, never a short deadline.
async function newPage(options: Parameters<typeof session.newPage>[0]) {
  const page = await session.newPage(options);
  page.setDefaultNavigationTimeout(120_000);
  page.setDefaultTimeout(60_000);
  return page;
}
const shots = process.env.SCREENSHOT_DIR ?? mkdtempSync(path.join(os.tmpdir(), "cs-phone-screens-"));
mkdirSync(shots, { recursive: true });

interface Box {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Boxes of the elements a person must see, by name; hidden or absent ones are left out. */
async function boxes(page: Page, selectors: Record<string, string>): Promise<Box[]> {
  return page.evaluate((sel) => {
    const out: Box[] = [];
    for (const [name, css] of Object.entries(sel)) {
      document.querySelectorAll(css).forEach((el, i) => {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || style.visibility === "hidden" || style.display === "none") return;
        out.push({ name: `${name}#${i}`, x: r.x, y: r.y, width: r.width, height: r.height });
      });
    }
    return out;
  }, selectors);
}

const overlapArea = (a: Box, b: Box) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

function assertNoOverlap(list: Box[], where: string) {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      // Half a pixel of rounding is not an overlap.
      assert.ok(overlapArea(list[i]!, list[j]!) < 1, `${where}: ${list[i]!.name} overlaps ${list[j]!.name} (${JSON.stringify(list[i])} / ${JSON.stringify(list[j])})`);
    }
  }
}

function assertInViewport(list: Box[], viewport: { width: number; height: number }, where: string) {
  for (const b of list) {
    assert.ok(b.x >= -0.5 && b.y >= -0.5 && b.x + b.width <= viewport.width + 0.5 && b.y + b.height <= viewport.height + 0.5, `${where}: ${b.name} is outside the ${viewport.width}×${viewport.height} viewport (${JSON.stringify(b)})`);
  }
}

/** The self-view and every remote tile's video and name: none on another. */
async function assertSelfViewClear(page: Page, where: string) {
  const list = await boxes(page, { self: '[data-testid="local-tile"]', remote: '[data-testid="remote-tile"]' });
  assert.ok(list.some((b) => b.name.startsWith("remote")), `${where}: remote tiles are shown`);
  assertNoOverlap(list, where);
}

const captureSelectors = {
  rec: '[data-testid="rec-indicator"]',
  remote: '[data-testid="remote-tile"]',
  camera: ".capture-view",
  guide: '[data-testid="guide-instruction"]',
  verdict: '[data-testid="capture-verdict"]',
  shutter: '[data-testid="shutter"]',
  controls: ".call-controls",
};

async function waitForLayout(page: Page) {
  // Two frames after a resize: layout and the media query listeners have run.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test("a capture step fills the phone screen at every size, the guide follows a remote capture, the verdict names the item and retakes in one tap", { timeout: 600_000 }, async () => {
  const agent = await newPage({ viewport: { width: 1280, height: 800 }, locale: "zh-CN" });
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink, adjusterLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);

  const phone = await newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  const adjuster = await newPage({ ...phoneContext, viewport: { width: 360, height: 640 } });
  await inviteeJoins(adjuster, adjusterLink);
  await waitForRemoteRoles(agent, ["policyholder", "adjuster"], 60_000);
  await waitForRemoteRoles(phone, ["agent", "adjuster"], 60_000);
  await waitForRemoteRoles(adjuster, ["agent", "policyholder"], 60_000);
  await phone.getByTestId("consent-accept").click();
  await agent.getByTestId("rec-indicator").waitFor({ timeout: 30_000 });

  // 1. The self-view beside, never on, the others: agent's desktop, adjuster's and policyholder's phones.
  await assertSelfViewClear(agent, "agent desktop");
  await assertSelfViewClear(adjuster, "adjuster 360×640");
  await assertSelfViewClear(phone, "policyholder 390×844 before a capture step");
  await agent.screenshot({ path: path.join(shots, "agent-desktop-1280x800.png") });
  await adjuster.screenshot({ path: path.join(shots, "adjuster-360x640.png") });
  await phone.screenshot({ path: path.join(shots, "phone-390x844-call.png") });

  // 2. A guide for one item, then a remote capture of another: the phone shows the second item's guide.
  await agent.locator('[data-testid="checklist-item"][data-key="corner_front_left"] [data-testid="push-guide"]').click();
  await phone.locator('[data-testid="guide-instruction"][data-item="corner_front_left"]').waitFor({ timeout: 30_000 });
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="remote-capture"]').click();
  await phone.locator('[data-testid="guide-instruction"][data-item="licence_plate"]').waitFor({ timeout: 30_000 });
  assert.equal(await phone.getByTestId("guide-overlay").getAttribute("src"), "/guides/plate.svg");
  assert.equal(await phone.getByTestId("guide-label").textContent(), "车牌");

  // 3. The verdict names the item and the reason, on both sides, with a retake.
  const phoneVerdict = phone.locator('[data-testid="capture-verdict"][data-item="licence_plate"][data-verdict="rejected"]');
  await phoneVerdict.waitFor({ timeout: 60_000 });
  assert.equal(await phoneVerdict.getByTestId("verdict-item").textContent(), "车牌");
  assert.ok((await phoneVerdict.getByTestId("verdict-reason").count()) > 0, "the phone's verdict gives a reason");
  const agentVerdict = agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"][data-verdict="rejected"]');
  await agentVerdict.waitFor({ timeout: 30_000 });
  assert.equal(await agentVerdict.getByTestId("verdict-item").textContent(), "车牌");
  assert.ok((await agentVerdict.getByTestId("verdict-reason").count()) > 0, "the agent's verdict gives a reason");

  // 4. Every phone size, portrait and landscape: camera, guide, verdict and shutter on screen, nothing scrolls, nothing overlaps.
  for (const viewport of [
    { width: 390, height: 844 },
    { width: 360, height: 640 },
    { width: 844, height: 390 },
    { width: 640, height: 360 },
  ]) {
    const where = `phone ${viewport.width}×${viewport.height}`;
    await phone.setViewportSize(viewport);
    await waitForLayout(phone);
    await phone.locator('[data-testid="call"][data-capturing="1"]').waitFor();
    const scroll = await phone.evaluate(() => ({ height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth, inner: innerHeight, innerW: innerWidth }));
    assert.ok(scroll.height <= scroll.inner + 1, `${where}: the page scrolls (${scroll.height} > ${scroll.inner})`);
    assert.ok(scroll.width <= scroll.innerW + 1, `${where}: the page scrolls sideways (${scroll.width} > ${scroll.innerW})`);
    const list = await boxes(phone, captureSelectors);
    // (The REC mark is checked with the rest when it shows; recording itself is the recording tests' subject.)
    for (const name of ["camera", "guide", "verdict", "shutter", "controls", "remote"]) assert.ok(list.some((b) => b.name.startsWith(name)), `${where}: ${name} is shown`);
    assertInViewport(list, viewport, where);
    assertNoOverlap(list, where);
    assert.equal((await boxes(phone, { self: '[data-testid="local-tile"]' })).length, 0, `${where}: the camera preview is the self-view during a capture step`);
    const shutter = list.find((b) => b.name.startsWith("shutter"))!;
    assert.ok(shutter.width >= 64 && shutter.height >= 64, `${where}: the shutter is large (${shutter.width}×${shutter.height})`);
    if (viewport.height > viewport.width) assert.ok(shutter.y >= viewport.height / 2, `${where}: the shutter is in the lower half, within thumb reach (y ${shutter.y})`);
    const camera = list.find((b) => b.name.startsWith("camera"))!;
    assert.ok(camera.width * camera.height >= 0.25 * viewport.width * viewport.height, `${where}: the camera takes the screen (${camera.width}×${camera.height})`);
    await phone.screenshot({ path: path.join(shots, `phone-${viewport.width}x${viewport.height}-capture.png`) });
  }

  // 5. Retake in one tap, on the phone and from the agent's side.
  await phone.setViewportSize({ width: 360, height: 640 });
  const verdictsOnAgent = () => agent.evaluate(() => (window as unknown as { __surveyCall: { snapshot(): { captures: unknown[] } } }).__surveyCall.snapshot().captures.length);
  const before = await verdictsOnAgent();
  await phone.getByTestId("retake").click();
  await agent.waitForFunction((n) => (window as unknown as { __surveyCall: { snapshot(): { captures: unknown[] } } }).__surveyCall.snapshot().captures.length > n, before, { timeout: 60_000 });
  await phone.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 60_000 });
  const afterPhone = await verdictsOnAgent();
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"] [data-testid="retake"]').click();
  await agent.waitForFunction((n) => (window as unknown as { __surveyCall: { snapshot(): { captures: unknown[] } } }).__surveyCall.snapshot().captures.length > n, afterPhone, { timeout: 60_000 });

  // 6. The chat is a sheet; "发送" stays on one line at the narrowest size.
  await phone.getByTestId("chat-open").click();
  await phone.getByTestId("chat-input").fill("车牌在这里");
  const sendLines = await phone.getByTestId("chat-send").evaluate((b) => {
    const range = document.createRange();
    range.selectNodeContents(b);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });
  assert.equal(sendLines, 1, "the send button's label is on one line");
  const sheet = await boxes(phone, { input: '[data-testid="chat-input"]', send: '[data-testid="chat-send"]' });
  assertInViewport(sheet, { width: 360, height: 640 }, "chat sheet 360×640");
  assertNoOverlap(sheet, "chat sheet 360×640");
  await phone.screenshot({ path: path.join(shots, "phone-360x640-chat.png") });
  await phone.getByTestId("chat-send").click();
  await agent.getByTestId("chat-message").filter({ hasText: "车牌在这里" }).waitFor();
  await phone.getByTestId("chat-close").click();

  // The agent's screen keeps its self-view clear with a verdict and the checklist beside it.
  await assertSelfViewClear(agent, "agent desktop during capture");
  await agent.screenshot({ path: path.join(shots, "agent-desktop-1280x800-verdict.png") });
  process.stdout.write(`# screenshots in ${shots}\n`);
});

// A driver taps "join" just as the link check answers: the finger goes down on the
// button, the answer arrives (the claim number and the intro appear), the finger comes
// up. If the answer moved the button, the finger would come up on the text and the tap
// would be lost (seen once in a loaded run: the phone never joined). The answer is held
// back by the test between the two halves of the tap, at the narrowest phone size and
// in both languages.
test("a tap on join that spans the link check's answer joins: the button does not move", { timeout: 600_000 }, async () => {
  const agent = await newPage({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
  await loginAs(agent, session.product.url, agent1);
  const { policyholderLink, adjusterLink } = await createSurveyInConsole(agent, { plate: `沪B·${String(Date.now()).slice(-5)}` });
  for (const [link, locale] of [[policyholderLink, "zh-CN"], [adjusterLink, "en-US"]] as const) {
    const phone = await newPage({ ...phoneContext, viewport: { width: 360, height: 640 }, locale });
    let held!: () => void, release!: () => void;
    const answerHeld = new Promise<void>((r) => (held = r));
    const released = new Promise<void>((r) => (release = r));
    await phone.route(/\/api\/trpc\/[^?]*join\.resolve/, async (route) => {
      held();
      await released;
      await route.continue();
    });
    await phone.goto(link);
    const button = phone.getByTestId("join-button");
    await answerHeld;
    await button.waitFor();
    await phone.waitForFunction(() => !(document.querySelector('[data-testid="join-button"]') as HTMLButtonElement).disabled);
    const before = (await button.boundingBox())!;
    await phone.mouse.move(before.x + before.width / 2, before.y + before.height / 2);
    await phone.mouse.down();
    release();
    // The answer is on the page: the claim line names the plate.
    await phone.getByText(/沪B·\d{5}/).waitFor();
    const after = (await button.boundingBox())!;
    assert.deepEqual(after, before, `${locale}: the join button stays where the finger is when the link check answers`);
    await phone.mouse.up();
    await button.waitFor({ state: "detached" });
    await phone.context().close();
  }
});
