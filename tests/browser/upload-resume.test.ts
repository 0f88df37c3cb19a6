// Photos get through a weak link, in real Chromium against the real product:
// the still is kept in the phone's IndexedDB until the server acknowledges
// the original's SHA-256, the original travels by resumable (tus) chunks, and
// the compact copy's quick verdict shows first.
//   1. Taken while the server's photo endpoints are unreachable (every
//      /api/captures request aborted by the browser for 60 s; the call itself
//      stays up): kept on the phone, then arrives with the right SHA-256.
//   2. On a slow uplink (Chromium's network emulation): the provisional
//      verdict shows on the phone and the agent's screen while the original is
//      still uploading ("photo waiting to upload (x%)"); a reload mid-upload
//      resumes from IndexedDB at the server's offset, and the photo arrives once.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { y4mFromPhoto } from "../support/fake-camera";
import { productWithOwnBrowsers } from "../support/browser-session";
import { captureStep, stillsOnPhone, storedOriginals, until } from "../capture/phone-photos";

const photos = path.resolve(import.meta.dirname, "../fixtures/photos");
const session = productWithOwnBrowsers();

async function timeline(agent: import("playwright-core").Page, surveyId: string) {
  return agent.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/surveys.timeline?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json as { type: string; payload: Record<string, unknown> }[];
  }, surveyId);
}

test("a photo taken while the server is unreachable for 60 s is kept on the phone and arrives afterwards with the right SHA-256", { timeout: 600_000 }, async () => {
  const step = await captureStep(session.product, y4mFromPhoto(path.join(photos, "city-sharp.jpg")));
  session.browsers.push(...step.browsers);
  const { agent, phone, surveyId } = step;
  let blocked = 0;
  await step.phoneContext.route("**/api/captures/**", (route) => {
    blocked++;
    return route.abort("internetdisconnected");
  });
  const outageStarted = Date.now();
  await phone.getByTestId("shutter").click();
  const still = await until("the still saved on the phone", async () => (await stillsOnPhone(phone)).find((s) => s.itemKey === "licence_plate"));
  assert.equal(still.sha256, still.declared, "the phone's record names the original's own SHA-256");
  await phone.getByTestId("upload-offline").waitFor({ timeout: 60_000 });
  await phone.getByTestId("upload-waiting").waitFor();

  // The whole minute: retried and refused, nothing stored, nothing forgotten.
  while (Date.now() - outageStarted < 60_000) await new Promise((r) => setTimeout(r, 2000));
  assert.ok(blocked >= 3, `the phone kept trying (${blocked} attempts)`);
  assert.equal(storedOriginals(session.product, surveyId).size, 0, "nothing reached the server during the outage");
  assert.deepEqual((await stillsOnPhone(phone)).map((s) => s.key), [still.key], "the still is still on the phone after 60 s");

  await step.phoneContext.unroute("**/api/captures/**");
  await phone.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 120_000 });
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 60_000 });
  const stored = storedOriginals(session.product, surveyId);
  assert.ok(stored.has(still.sha256), "the stored original hashes to the still the phone kept");
  assert.equal(stored.size, 1);
  await until("the phone to forget the acknowledged still", async () => (await stillsOnPhone(phone)).length === 0, 30_000);
  const assessed = (await timeline(agent, surveyId)).filter((e) => e.type === "capture.assessed");
  assert.equal(assessed.length, 1);
  assert.equal(assessed[0]!.payload.sha256, still.sha256);
});

test("slow uplink: the quick verdict shows before the original is acknowledged; a reload mid-upload resumes from IndexedDB and the photo arrives once", { timeout: 600_000 }, async () => {
  const step = await captureStep(session.product, y4mFromPhoto(path.join(photos, "mountain-sharp.jpg")));
  session.browsers.push(...step.browsers);
  const { agent, phone, surveyId } = step;
  // Every chunk the phone sends, with the offset it claims, across the reload.
  const patches: { offset: number; afterReload: boolean }[] = [];
  let reloaded = false;
  phone.on("request", (r) => {
    if (r.method() === "PATCH" && r.url().includes("/api/captures/uploads/")) patches.push({ offset: Number(r.headers()["upload-offset"]), afterReload: reloaded });
  });
  const cdp = await step.phoneContext.newCDPSession(phone);
  await cdp.send("Network.enable");
  // 12 kB/s up: a few hundred kB of original take long enough to see, and to reload in the middle of.
  const slow = { offline: false, latency: 40, downloadThroughput: 1_000_000, uploadThroughput: 12_000 };
  await cdp.send("Network.emulateNetworkConditions", slow);

  await phone.getByTestId("shutter").click();
  const quick = phone.getByTestId("provisional-verdict");
  await quick.waitFor({ timeout: 120_000 });
  const [still] = await stillsOnPhone(phone);
  assert.ok(still, "the still is on the phone while its original uploads");
  assert.equal(await phone.locator('[data-testid="capture-verdict"]').count(), 0, "the quick verdict came before the original's");
  assert.equal(storedOriginals(session.product, surveyId).size, 0, "the original is not acknowledged yet");
  assert.match((await quick.getAttribute("data-verdict")) ?? "", /^(accepted|rejected)$/);
  // The agent sees the same quick verdict and how much of the original the server holds.
  const agentPending = agent.locator('[data-testid="pending-photos"] [data-testid="still-on-its-way"][data-item="licence_plate"]');
  await agentPending.locator('[data-testid="provisional-verdict"]').waitFor({ timeout: 60_000 });
  // Percent and words read together: the upload moves on between two separate reads.
  const shown = await until("the server to hold part of the original", async () => {
    const w = await agentPending.getByTestId("upload-waiting").evaluate((el) => ({ percent: Number(el.getAttribute("data-percent")), text: el.textContent ?? "" }));
    return w.percent > 0 && w.percent < 100 ? w : null;
  });
  assert.match(shown.text, new RegExp(`Photo waiting to upload \\(${shown.percent}%\\)`));
  assert.match((await phone.getByTestId("upload-waiting").textContent()) ?? "", /照片等待上传（\d+%）/);

  // Reload in the middle of the upload: the page finds the still in IndexedDB and continues where the server is.
  reloaded = true;
  await phone.reload();
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }).catch(() => undefined);
  await until("the original to arrive after the reload", () => storedOriginals(session.product, surveyId).has(still.sha256), 180_000);
  const resumed = patches.filter((p) => p.afterReload);
  assert.ok(resumed.length > 0 && resumed[0]!.offset > 0, `the first chunk after the reload continues at the server's offset: ${JSON.stringify(patches)}`);
  assert.equal(storedOriginals(session.product, surveyId).size, 1, "one original, no duplicate");
  await agent.locator('[data-testid="capture-verdict"][data-item="licence_plate"]').waitFor({ timeout: 60_000 });
  await until("the phone to forget the acknowledged still", async () => (await stillsOnPhone(phone)).length === 0, 60_000);
  const events = await timeline(agent, surveyId);
  assert.equal(events.filter((e) => e.type === "capture.assessed").length, 1, "judged once");
  assert.equal(events.filter((e) => e.type === "capture.provisional").length, 1, "quick-checked once");
  const assessed = events.find((e) => e.type === "capture.assessed")!;
  assert.equal(assessed.payload.sha256, still.sha256);
  assert.equal((assessed.payload.provisional as { sha256: string }).sha256.length, 64, "the original's record links the compact copy's hash");
});
