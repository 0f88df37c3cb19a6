// Guided capture in real Chromium: the policyholder's camera is fed a real
// (held-out) photograph; a sharp shot is accepted, a motion-blurred one is
// rejected with the blur reason, both pages show the verdict, the stored bytes
// hash to what the phone sent, and the agent's override is on record. Before the
// shutter, the phone's live hint (the gate's model run in the browser) stays quiet
// on the sharp scene and says "hold still" on the blurred one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { y4mFromPhoto } from "../support/fake-camera";
import { productWithOwnBrowsers, recordCspViolations } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

const photos = path.resolve(import.meta.dirname, "../fixtures/photos");
const session = productWithOwnBrowsers();

// The SHA-256 the phone declares for every original it starts to upload (tus
// creation, Upload-Metadata): the phone hashes the bytes it kept, and the server
// refuses a commit whose bytes do not hash to it.
function declaredHash(metadataHeader: string | undefined): string | null {
  const pair = (metadataHeader ?? "").split(",").find((p) => p.startsWith("sha256 "));
  return pair ? Buffer.from(pair.slice(7), "base64").toString() : null;
}

/**
 * `previousRuntime`: the page starts holding another version's onnxruntime-web script (a page
 * left open across a server upgrade); a stand-in whose sessions cannot be made, so hints appear
 * only if the page loads the version the server names instead of reusing it.
 */
async function phoneWithCamera(photo: string, options: { previousRuntime?: boolean } = {}): Promise<{ page: Page; uploadHashes: () => Promise<string[]> }> {
  const browser = await launchBrowser({ fakeVideoFile: y4mFromPhoto(path.join(photos, photo)) });
  session.browsers.push(browser);
  const context = await browser.newContext(phoneContext);
  await recordCspViolations(context);
  if (options.previousRuntime) {
    // A string, not a function: tsx would wrap the function's inner arrow in a helper the page lacks.
    await context.addInitScript(`window.ort = {
      env: { versions: { web: "0.0.0-previous" }, wasm: {} },
      InferenceSession: { create: () => Promise.reject(new Error("the previous version's runtime was used")) },
    };`);
  }
  if (process.env.SHOW_PAGE_CONSOLE) {
    context.on("console", (m) => process.stderr.write(`[phone] ${m.text()}\n`));
    context.on("response", (r) => void (r.status() >= 400 && process.stderr.write(`[phone] ${r.status()} ${r.request().method()} ${r.url()}\n`)));
    context.on("requestfailed", (r) => process.stderr.write(`[phone] failed ${r.method()} ${r.url()} ${r.failure()?.errorText}\n`));
  }
  const page = await context.newPage();
  const hashes: string[] = [];
  page.on("request", (r) => {
    const h = r.method() === "POST" && r.url().endsWith("/api/captures/uploads") ? declaredHash(r.headers()["upload-metadata"]) : null;
    if (h) hashes.push(h);
  });
  return { page, uploadHashes: async () => hashes };
}

type LiveHintsHandle = { frameMs: number[]; startedAt: number[]; snapshot(): { kind: string; defect?: string } };

/**
 * Evidence first: between the compact copy being made and the server's quick answer to it, the
 * phone judged no preview frame (the hold), and once the answer is in it judges frames again.
 */
async function hintsHeldForTheQuickVerdict(page: Page) {
  // No function declared inside the page's code: tsx would wrap it in a helper the page does not have.
  const span = await page.evaluate(() => ({
    made: performance.getEntriesByName("capture:compact-made", "mark").at(-1)?.startTime ?? null,
    answered: performance.getEntriesByName("capture:provisional-answered", "mark").at(-1)?.startTime ?? null,
    started: (window as unknown as { __liveHints: LiveHintsHandle }).__liveHints.startedAt,
  }));
  assert.ok(span.made !== null && span.answered !== null, `the page marked the compact copy and the quick answer (${JSON.stringify(span)})`);
  const during = span.started.filter((t) => t > span.made! && t < span.answered!);
  assert.deepEqual(during, [], "no preview frame judged while the quick verdict was on its way");
  await page.waitForFunction((after) => (window as unknown as { __liveHints: LiveHintsHandle }).__liveHints.startedAt.some((t) => t > after), span.answered!, { timeout: 120_000 });
}

/** The live hint once the phone has judged `frames` preview frames with the gate's model (app/_lib/capture/live-hints.ts). */
async function liveHintAfterFrames(page: Page, frames: number) {
  await page.waitForFunction((n) => ((window as unknown as { __liveHints?: LiveHintsHandle }).__liveHints?.frameMs.length ?? 0) >= n, frames, { timeout: 120_000 });
  return page.evaluate(() => {
    const h = (window as unknown as { __liveHints: LiveHintsHandle }).__liveHints;
    return { state: h.snapshot(), frames: h.frameMs.length };
  });
}

function storedOriginals(surveyId: string): Map<string, string> {
  const dir = path.join(session.product.dataDir, "media", surveyId, "photos");
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((n) => !n.includes(".thumb-") && !n.includes(".provisional."))) out.set(createHash("sha256").update(readFileSync(path.join(dir, f))).digest("hex"), f);
  return out;
}

test("a sharp photo is accepted and a blurred one rejected with the blur reason, on both screens; the agent can accept it anyway", { timeout: 600_000 }, async () => {
  const agentBrowser = await launchBrowser();
  session.browsers.push(agentBrowser);
  const agentContext = await agentBrowser.newContext(desktopContext);
  await recordCspViolations(agentContext);
  const agent = await agentContext.newPage();
  agent.on("dialog", (d) => void (d.type() === "prompt" ? d.accept("Plate readable on the close-up; blur is acceptable") : d.accept()));
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);

  // 1. Sharp scene on the phone's camera.
  const sharp = await phoneWithCamera("city-sharp.jpg");
  await inviteeJoins(sharp.page, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  // Recording is declined here (the recording tests cover consent); the agent sees why nothing is recorded.
  await sharp.page.getByTestId("consent-refuse").click({ timeout: 120_000 });
  await agent.getByTestId("rec-refused").waitFor();

  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]').click();
  await sharp.page.locator('[data-testid="guide-instruction"][data-item="licence_plate"]').waitFor();
  assert.equal(await sharp.page.getByTestId("guide-overlay").getAttribute("src"), "/guides/plate.svg");
  // Before the shutter the phone runs the gate's model on its preview: a sharp scene gets no hint.
  const sharpHint = await liveHintAfterFrames(sharp.page, 4);
  assert.equal(sharpHint.state.kind, "clear", `no live hint on a sharp scene (${JSON.stringify(sharpHint)})`);
  await sharp.page.getByTestId("shutter").click();
  await sharp.page.locator('[data-testid="capture-verdict"][data-item="licence_plate"][data-verdict="accepted"]').waitFor({ timeout: 90_000 });
  await hintsHeldForTheQuickVerdict(sharp.page);
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"][data-verdict="accepted"]').waitFor();
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"][data-state="accepted"]').waitFor();
  await agent.locator('[data-testid="gallery-photo"][data-item="licence_plate"]').waitFor();
  // On the phone the camera keeps the screen during a capture step; the gallery is there, out of sight.
  await sharp.page.locator('[data-testid="gallery-photo"][data-item="licence_plate"]').waitFor({ state: "attached" });

  // The stored original is byte-for-byte what the phone sent.
  const sent = await sharp.uploadHashes();
  assert.equal(sent.length, 1, "one upload for one tap");
  assert.ok(storedOriginals(surveyId).has(sent[0]!), "the stored original hashes to the bytes the phone sent");
  await sharp.page.context().close();
  await waitForRemoteRoles(agent, []);

  // 2. The same link on a phone whose camera shows a motion-blurred scene; the agent triggers the shot.
  // This page holds another version's runtime script, as after a server upgrade: the hint below
  // shows only if it loads the version the server names.
  const blurred = await phoneWithCamera("city-motion-blur.jpg", { previousRuntime: true });
  await inviteeJoins(blurred.page, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await agent.locator('[data-testid="checklist-item"][data-key="vin_plate"] [data-testid="push-guide"]').click();
  await blurred.page.locator('[data-testid="guide-instruction"][data-item="vin_plate"]').waitFor();
  // The live hint tells the driver before the shot, in the page's language.
  const hint = blurred.page.locator('[data-testid="live-hint"][data-state="hint"]');
  await hint.waitFor({ timeout: 120_000 });
  assert.match((await hint.getAttribute("data-defect")) ?? "", /^(motion_blur|defocus)$/, "the live hint names the blur");
  assert.match((await hint.textContent()) ?? "", /拿稳|Hold still/);
  await agent.locator('[data-testid="checklist-item"][data-key="vin_plate"] [data-testid="remote-capture"]').click();
  const phoneVerdict = blurred.page.locator('[data-testid="capture-verdict"][data-item="vin_plate"][data-verdict="rejected"]');
  await phoneVerdict.waitFor({ timeout: 90_000 });
  assert.match((await phoneVerdict.getAttribute("data-reasons")) ?? "", /blur|defocus/);
  assert.match((await phoneVerdict.textContent()) ?? "", /模糊|blur/i);
  const agentVerdict = agent.locator('[data-testid="capture-verdict"][data-item="vin_plate"][data-verdict="rejected"]');
  await agentVerdict.waitFor();
  await agent.locator('[data-testid="checklist-item"][data-key="vin_plate"][data-state="rejected"]').waitFor();
  const [blurredHash] = await blurred.uploadHashes();
  assert.ok(storedOriginals(surveyId).has(blurredHash!));

  // 3. The agent accepts it anyway, with a reason: both screens follow, the timeline records it.
  await agent.getByTestId("override-capture").click();
  await agent.locator('[data-testid="checklist-item"][data-key="vin_plate"][data-state="overridden"]').waitFor();
  await blurred.page.locator('[data-testid="capture-verdict"][data-item="vin_plate"][data-verdict="accepted"]').waitFor();
  const timeline = await agent.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/surveys.timeline?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json as { type: string; payload: Record<string, unknown> }[];
  }, surveyId);
  const assessed = timeline.filter((e) => e.type === "capture.assessed");
  assert.deepEqual(assessed.map((e) => e.payload.verdict), ["accepted", "rejected"]);
  const override = timeline.find((e) => e.type === "capture.overridden");
  assert.ok(override, "the override is in the timeline");
  assert.match(String(override.payload.reason), /Plate readable/);
  assert.match(String(override.payload.modelSha256), /^[0-9a-f]{64}$/);
  assert.ok(override.payload.scores && typeof override.payload.scores === "object");
});
