// A 60 s outage in the middle of a photo's upload loses nothing (issue 13,
// point 4), with the phone's Chromium in its own network namespace: every
// packet to and from the phone is dropped (nftables, both directions) while
// the original is half-way up a 400 kbit/s uplink. Meanwhile the agent reloads
// the console and, on joining again, is told by the server what it holds of
// the photo ("photo waiting to upload (x%)" and the quick verdict) although
// its page had forgotten everything. When the link is back, the phone
// continues the upload from the server's offset (not from zero), the original
// is stored once with the SHA-256 the phone computed when it took the photo,
// and the phone forgets the still only then.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { cspViolations } from "../support/browser-session";
import { agentJoins } from "../support/survey-flow";
import { stillsOnPhone, storedOriginals, until } from "../capture/phone-photos";
import { startPhotoCallInNamespace, type PhotoCallInNamespace } from "../capture/photo-call-in-namespace";

let call: PhotoCallInNamespace | undefined;
after(async () => {
  await call?.close();
  if (cspViolations.length) throw new Error(`the pages broke their Content-Security-Policy:\n${cspViolations.join("\n")}`);
});

/** A 3-MP camera scene: its still is a JPEG of about a megabyte, half a minute on a 400 kbit/s uplink. */
async function camera3mp(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-outage-cam-"));
  const scene = path.join(dir, "scene.jpg");
  await sharp(readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"))).resize(2048, 1536, { kernel: "lanczos3" }).sharpen().jpeg({ quality: 92 }).toFile(scene);
  const y4m = path.join(dir, "scene.y4m");
  execFileSync("ffmpeg", ["-v", "error", "-y", "-loop", "1", "-i", scene, "-t", "2", "-r", "5", "-pix_fmt", "yuv420p", y4m]);
  return y4m;
}

const pendingOn = (page: PhotoCallInNamespace["agent"]) => page.locator('[data-testid="pending-photos"] [data-testid="still-on-its-way"][data-item="licence_plate"]');
const percentOn = (page: PhotoCallInNamespace["agent"]) => pendingOn(page).getByTestId("upload-waiting").evaluate((el) => ({ percent: Number(el.getAttribute("data-percent")), text: el.textContent ?? "" }));

test("a 60 s blackout in the middle of an upload loses nothing; an agent who reloads meanwhile is shown the waiting photo; the upload continues from the server's offset", { timeout: 900_000 }, async () => {
  call = await startPhotoCallInNamespace({ tag: "outage", camera: await camera3mp() });
  const { network, agent, phone, product, surveyId } = call;
  const patches: { offset: number; at: number }[] = [];
  phone.on("request", (r) => {
    if (r.method() === "PATCH" && r.url().includes("/api/captures/uploads/")) patches.push({ offset: Number(r.headers()["upload-offset"]), at: Date.now() });
  });
  await network.capRate({ upKbit: 400 });

  await phone.getByTestId("shutter").click();
  const still = await until("the still saved on the phone", async () => (await stillsOnPhone(phone)).find((s) => s.itemKey === "licence_plate"));
  assert.equal(still.sha256, still.declared, "the phone's record names the original's own SHA-256");
  assert.ok(still.size > 300_000, `a still big enough to be cut by the outage (${still.size} bytes)`);
  // The quick verdict on the agent's screen, and part of the original on the server.
  await pendingOn(agent).locator('[data-testid="provisional-verdict"]').waitFor({ timeout: 180_000 });
  const before = await until("the server to hold part of the original", async () => {
    const w = await percentOn(agent);
    return w.percent >= 1 && w.percent < 80 ? w : null;
  }, 180_000);

  await network.blackout();
  const downAt = Date.now();
  await phone.getByTestId("upload-offline").waitFor({ timeout: 90_000 });

  // The agent reloads the console during the outage: the page starts with nothing, the server tells it on join.
  await agentJoins(agent, product.url, surveyId);
  const quick = pendingOn(agent).locator('[data-testid="provisional-verdict"]');
  await quick.waitFor({ timeout: 120_000 });
  assert.match((await quick.getAttribute("data-verdict")) ?? "", /^(accepted|rejected)$/);
  const afterReload = await until("the reloaded console to show what the server holds", async () => {
    const w = await percentOn(agent);
    return w.percent > 0 ? w : null;
  });
  assert.ok(afterReload.percent >= before.percent, `the server's share is shown again (${afterReload.percent}% ≥ ${before.percent}%)`);
  assert.match(afterReload.text, new RegExp(`Photo waiting to upload \\(${afterReload.percent}%\\)`));

  // The whole minute: nothing arrives, nothing is forgotten.
  while (Date.now() - downAt < 60_000) await new Promise((r) => setTimeout(r, 2000));
  assert.equal(storedOriginals(product, surveyId).size, 0, "nothing was acknowledged during the outage");
  assert.deepEqual((await stillsOnPhone(phone)).map((s) => s.key), [still.key], "the still is still on the phone after 60 s");
  const dropped = await network.dropped();
  assert.ok(dropped.filter > 0, `the blackout dropped the phone's packets (${dropped.filter})`);

  await network.restore();
  const upAt = Date.now();
  await network.capRate({});
  await until("the original to arrive after the outage", () => storedOriginals(product, surveyId).has(still.sha256), 300_000);
  const resumed = patches.filter((p) => p.at >= upAt);
  assert.ok(resumed.length > 0 && resumed[0]!.offset > 0, `the first chunk after the outage continues at the server's offset: ${JSON.stringify(patches.map((p) => [p.offset, p.at - downAt]))}`);
  assert.equal(storedOriginals(product, surveyId).size, 1, "one original, no duplicate");

  // The reloaded console sees the original's own verdict replace the waiting photo.
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 120_000 });
  await until("the waiting photo to leave the agent's list", async () => (await pendingOn(agent).count()) === 0, 60_000);
  await until("the phone to forget the acknowledged still", async () => (await stillsOnPhone(phone)).length === 0, 120_000);
  const events = await agent.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/surveys.timeline?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json as { type: string; payload: Record<string, unknown> }[];
  }, surveyId);
  const assessed = events.filter((e) => e.type === "capture.assessed");
  assert.equal(assessed.length, 1, "judged once");
  assert.equal(assessed[0]!.payload.sha256, still.sha256, "the server's hash is the one the phone took");
  assert.equal((assessed[0]!.payload.provisional as { sha256: string } | undefined)?.sha256.length, 64, "the compact copy's verdict is linked");
});
