// The media volume fills up during a recorded survey (a real tmpfs of 4 MiB as
// MEDIA_DIR, most of it taken by a filler file; needs root, as CI has here):
// recording stops with an alert to the agent (RECORDING_DISK_FULL), the REC
// mark goes away on every screen, the call itself goes on (video still
// decodes on the agent's page) and the product keeps running.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { startProductProcess, type RunningProduct } from "../support/product-process";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { openPage } from "../support/browser-session";
import { agent1, agentJoins, byRoleKind, createSurveyInConsole, inboundStats, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

let product: RunningProduct | undefined;
let browser: Browser;
let dir: string;
let mountPoint: string | undefined;
const contexts: BrowserContext[] = [];

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "cs-full-"));
  const mp = path.join(dir, "media");
  mkdirSync(mp);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mp]);
  mountPoint = mp;
  // Leave ~400 KB: a few seconds of two participants' audio and video.
  const st = statfsSync(mp);
  writeFileSync(path.join(mp, "filler"), Buffer.alloc(st.bavail * st.bsize - 400 * 1024));
  product = await startProductProcess({ env: { MEDIA_DIR: mp } });
  browser = await launchBrowser();
});
after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await product?.stop();
  if (mountPoint) execFileSync("umount", ["-l", mountPoint]);
  rmSync(dir, { recursive: true, force: true });
});

const newPage = (options: Parameters<Browser["newContext"]>[0]) => openPage(browser, contexts, options);

test("a full media disk stops recording with an alert to the agent; the call goes on", { timeout: 600_000 }, async () => {
  const agent = await newPage(desktopContext);
  await loginAs(agent, product!.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, product!.url, surveyId);
  const phone = await newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await phone.getByTestId("consent-accept").click();
  for (const p of [agent, phone]) await p.getByTestId("rec-indicator").waitFor();

  // The disk runs out within seconds: the agent is told why recording stopped.
  const alert = agent.getByTestId("alert");
  await alert.waitFor({ timeout: 60_000 });
  assert.equal(await alert.getAttribute("data-code"), "RECORDING_DISK_FULL");
  await agent.getByTestId("rec-failed").waitFor();
  for (const p of [agent, phone]) await p.getByTestId("rec-indicator").waitFor({ state: "detached", timeout: 90_000 });

  // The call goes on: the policyholder's video keeps decoding on the agent's page.
  const before = byRoleKind(await inboundStats(agent), "framesDecoded")["policyholder/video"] ?? 0;
  await agent.waitForTimeout(4000);
  const later = byRoleKind(await inboundStats(agent), "framesDecoded")["policyholder/video"] ?? 0;
  assert.ok(later - before > 10, `video still decodes after the disk filled (${before} → ${later} frames)`);
  assert.equal(await phone.getByTestId("rec-indicator").count(), 0);
  assert.equal(await agent.getByTestId("rec-indicator").count(), 0);

  // No crash: the product still answers and still has the call.
  assert.equal(product!.process.exitCode, null, "the product is still running");
  const health = await product!.health();
  assert.ok(health.ok);
  assert.equal(health.rooms, 1);
});
