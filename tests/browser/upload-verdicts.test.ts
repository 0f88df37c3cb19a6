// When the original's verdict differs from the compact copy's quick check,
// the agent is told. The agent is real Chromium on the console; the phone's
// part is played over HTTP with its link (compact copy, then the original by
// the tus protocol), so the two images can be chosen to disagree: a photo with
// grain just past the noise threshold at full JPEG quality, whose compact copy
// (lower JPEG quality, which smooths grain) passes. The pair is picked with the
// product's own model, so the test holds whatever the model's thresholds are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { desktopContext, launchBrowser } from "../support/browser";
import { productWithOwnBrowsers, recordCspViolations } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, loginAs } from "../support/survey-flow";
import { assessPhoto } from "../../server/quality";

const photos = path.resolve(import.meta.dirname, "../fixtures/photos");
const session = productWithOwnBrowsers();

/** A grainy photo whose original (JPEG q92) the model rejects and whose compact copy (q65) it accepts. */
async function disagreeingPair(): Promise<{ original: Buffer; compact: Buffer }> {
  const clean = await sharp(readFileSync(path.join(photos, "dogs-well-lit.jpg"))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const noisy = await sharp(readFileSync(path.join(photos, "dogs-noisy.jpg"))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let alpha = 0.3; alpha <= 0.6; alpha += 0.025) {
    const px = Buffer.alloc(clean.data.length);
    for (let i = 0; i < px.length; i++) px[i] = Math.round(clean.data[i]! * (1 - alpha) + noisy.data[i]! * alpha);
    const original = await sharp(px, { raw: { width: clean.info.width, height: clean.info.height, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
    const compact = await sharp(original).jpeg({ quality: 65 }).toBuffer();
    if ((await assessPhoto(original)).verdict === "rejected" && (await assessPhoto(compact)).verdict === "accepted") return { original, compact };
  }
  throw new Error("no grain level where the full photo and its compact copy disagree: the model changed; pick another pair");
}

test("the original's verdict differs from the quick check: the agent sees both, and the disagreement", { timeout: 600_000 }, async () => {
  const { original, compact } = await disagreeingPair();
  const agentBrowser = await launchBrowser();
  session.browsers.push(agentBrowser);
  const ctx = await agentBrowser.newContext(desktopContext);
  await recordCspViolations(ctx);
  const agent = await ctx.newPage();
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, session.product.url, surveyId);
  // In the call (the checklist's buttons take taps only then): the room's notifications reach this page.
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]:not([disabled])').waitFor({ timeout: 90_000 });
  const token = new URL(policyholderLink).pathname.split("/").pop()!;
  const key = "disagree-photo-0001";
  const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

  // The phone's quick check: accepted.
  const quick = await fetch(`${session.product.url}/api/captures/provisional`, { method: "POST", headers: { "Content-Type": "image/jpeg", "X-Invite-Token": token, "Idempotency-Key": key, "X-Capture-Item": "licence_plate" }, body: new Uint8Array(compact) });
  assert.equal(quick.status, 201, await quick.clone().text());
  const pending = agent.locator('[data-testid="pending-photos"] [data-testid="still-on-its-way"][data-item="licence_plate"]');
  await pending.locator('[data-testid="provisional-verdict"][data-verdict="accepted"]').waitFor({ timeout: 60_000 });

  // The original, by the resumable protocol: rejected.
  const meta = [`key ${Buffer.from(key).toString("base64")}`, `item ${Buffer.from("licence_plate").toString("base64")}`, `sha256 ${Buffer.from(sha(original)).toString("base64")}`].join(",");
  const created = await fetch(`${session.product.url}/api/captures/uploads`, { method: "POST", headers: { "Tus-Resumable": "1.0.0", "X-Invite-Token": token, "Upload-Length": String(original.length), "Upload-Metadata": meta } });
  assert.equal(created.status, 201, await created.clone().text());
  const location = created.headers.get("location")!;
  const sent = await fetch(`${session.product.url}${location}`, { method: "PATCH", headers: { "Tus-Resumable": "1.0.0", "X-Invite-Token": token, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" }, body: new Uint8Array(original) });
  assert.equal(sent.status, 204, await sent.clone().text());
  const done = await fetch(`${session.product.url}${location}/commit`, { method: "POST", headers: { "Tus-Resumable": "1.0.0", "X-Invite-Token": token, "Idempotency-Key": key } });
  assert.equal(done.status, 201, await done.clone().text());
  const capture = ((await done.json()) as { capture: { verdict: string; disagrees: boolean; provisional: { verdict: string; sha256: string } } }).capture;
  assert.equal(capture.verdict, "rejected");
  assert.equal(capture.provisional.verdict, "accepted");
  assert.equal(capture.provisional.sha256, sha(compact));
  assert.equal(capture.disagrees, true);

  // The agent's screen: the original's verdict, and that it differs from the quick check.
  const verdict = agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"][data-verdict="rejected"]');
  await verdict.waitFor({ timeout: 60_000 });
  const note = verdict.getByTestId("verdict-disagrees");
  await note.waitFor();
  assert.equal(await note.getAttribute("data-provisional"), "accepted");
  assert.match((await note.textContent()) ?? "", /differs from the quick check/);
  await pending.waitFor({ state: "detached", timeout: 30_000 });
});
