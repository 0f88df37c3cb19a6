// The product SIGKILLed mid-recording (two-party survey to save CPU: agent and
// policyholder): every file written so far plays as it lies on disk; the
// product restarts on the same data folder and port, the pages get back into
// the call, recording resumes by itself (consent persists), and after the
// survey ends the crashed files are finalised (stop cause 'server-crash', a
// recovered timeline event) and the new files' logs open with a 'rejoin' gap
// pointing at them. At the end the agent renders the composite (grid) video
// from the survey page and it is probed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { startProductProcess, type RunningProduct } from "../support/product-process";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { openPage } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "../support/survey-flow";
import { framesInFirstSecond, probe } from "../support/media-probe";

let first: RunningProduct | undefined;
let second: RunningProduct | undefined;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  first = await startProductProcess({ keepData: true });
  browser = await launchBrowser();
});
after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  if (first && first.process.exitCode === null && first.process.signalCode === null) await first.stop();
  await second?.stop();
  if (first) rmSync(first.dataDir, { recursive: true, force: true });
});

const newPage = (options: Parameters<Browser["newContext"]>[0]) => openPage(browser, contexts, options);

type Entry = { type: string; at: string; cause?: string; gapMs?: number; previousFile?: string };
type RecordingRow = { id: string; kind: "audio" | "video"; role: string; status: string; storageKey: string; durationMs: number; sha256: string; continuity: Entry[] };

async function recordings(agent: Page, surveyId: string): Promise<RecordingRow[]> {
  return agent.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/recordings.list?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json;
  }, surveyId);
}

/**
 * Back in the call after the restart. The page retries by itself for 2 minutes
 * (resume, then a fresh join when the new process does not know the session);
 * past that it shows the error and the user reloads and joins again.
 * (The REC mark alone proves nothing here: the page keeps the last state it had.)
 */
async function backInCall(page: Page): Promise<"retried" | "rejoined"> {
  const inCall = page.locator('[data-phase="in-call"]');
  let how: "retried" | "rejoined" = "retried";
  try {
    await inCall.waitFor({ timeout: 90_000 });
  } catch {
    how = "rejoined";
    await page.reload();
    await page.getByTestId("join-button").click();
    await inCall.waitFor({ timeout: 90_000 });
  }
  await page.getByTestId("rec-indicator").waitFor({ timeout: 90_000 });
  return how;
}

test("a SIGKILLed product leaves playable files, recovers them at restart, and recording resumes with the gap logged", { timeout: 1_500_000 }, async () => {
  const agent = await newPage(desktopContext);
  await loginAs(agent, first!.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, first!.url, surveyId);
  const phone = await newPage(phoneContext);
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await phone.getByTestId("consent-accept").click();
  for (const p of [agent, phone]) await p.getByTestId("rec-indicator").waitFor();
  // Wait for all four tracks to be in the database, then record a while.
  for (let i = 0; i < 40 && (await recordings(agent, surveyId)).length < 4; i++) await agent.waitForTimeout(500);
  await agent.waitForTimeout(8000);
  const before = await recordings(agent, surveyId);
  assert.equal(before.length, 4, "agent and policyholder, audio and video");
  assert.ok(before.every((r) => r.status === "recording"));

  // The kill: no shutdown code runs; ffmpeg dies with the server (pdeathsig).
  const exited = new Promise((r) => first!.process.once("exit", r));
  const killedAt = Date.now();
  first!.process.kill("SIGKILL");
  await exited;
  const dir = path.join(first!.dataDir, "media", surveyId);
  const crashed = readdirSync(dir).filter((f) => f.endsWith(".webm")).sort();
  assert.equal(crashed.length, 4, `files on disk after the kill: ${crashed.join(", ")}`);
  for (const f of crashed) {
    const kind = f.includes("-video-") ? "video" : "audio";
    const info = probe(path.join(dir, f));
    assert.equal(info.codec, kind === "video" ? "vp8" : "opus", f);
    assert.ok(framesInFirstSecond(path.join(dir, f), kind) > 0, `${f}: a frame decodes straight after the kill`);
  }

  // Both pages know they lost the server (so "in the call" afterwards means they came back).
  for (const p of [agent, phone]) await p.locator('[data-phase="reconnecting"], [data-phase="error"]').first().waitFor({ timeout: 90_000 });
  // Same data, same port, same RTC ports: the pages' retries reach the new process.
  second = await startProductProcess({ dataDir: first!.dataDir, port: first!.port, apiKey: first!.apiKey, rtcBase: first!.rtcBase, keepData: true });
  const downMs = Date.now() - killedAt;
  const how = await Promise.all([backInCall(agent), backInCall(phone)]);
  process.stderr.write(`pages back in the call after ${Math.round(downMs / 1000)} s down: agent ${how[0]}, phone ${how[1]}\n`);
  // Within the pages' 2 minutes of retrying (with room for a slow rejoin) nobody has to reload.
  if (downMs < 90_000) assert.deepEqual(how, ["retried", "retried"], "both pages came back by themselves");
  for (let i = 0; i < 60 && (await recordings(agent, surveyId)).filter((r) => r.status === "recording").length < 4; i++) await agent.waitForTimeout(500);
  await agent.waitForTimeout(6000);

  await endSurveyWithoutStatement(agent);
  await agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();
  let rows: RecordingRow[] = [];
  for (let i = 0; i < 60; i++) {
    rows = await recordings(agent, surveyId);
    if (rows.length >= 8 && rows.every((r) => r.status !== "recording")) break;
    await agent.waitForTimeout(500);
  }
  assert.equal(rows.length, 8, `4 recovered + 4 after the restart (${rows.map((r) => `${r.id}:${r.status}`).join(", ")})`);

  const recovered = rows.filter((r) => before.some((b) => b.id === r.id));
  assert.equal(recovered.length, 4);
  for (const r of recovered) {
    assert.equal(r.status, "finalised", r.id);
    assert.match(r.sha256, /^[0-9a-f]{64}$/, r.id);
    const stop = r.continuity.at(-1)!;
    assert.equal(stop.type, "stop", r.id);
    assert.equal(stop.cause, "server-crash", r.id);
    const info = probe(path.join(second.dataDir, "media", r.storageKey));
    assert.ok(Number.isFinite(info.durationS) && Math.abs(info.durationS * 1000 - r.durationMs) < 1000, `${r.id}: repaired file has a duration (${info.durationS} s vs ${r.durationMs} ms)`);
    assert.ok(info.durationS >= 6, `${r.id}: the recording before the crash is kept (${info.durationS} s)`);
  }
  const resumed = rows.filter((r) => !recovered.includes(r));
  for (const r of resumed) {
    assert.equal(r.status, "finalised", r.id);
    const old = recovered.find((o) => o.role === r.role && o.kind === r.kind)!;
    assert.notEqual(r.storageKey, old.storageKey, "the new file does not overwrite the recovered one");
    const gap = r.continuity.find((e) => e.type === "gap");
    assert.ok(gap, `${r.id}: the new log has a gap (${r.continuity.map((e) => e.type).join(", ")})`);
    assert.equal(gap.cause, "rejoin");
    assert.equal(gap.previousFile, old.storageKey);
    assert.ok((gap.gapMs ?? 0) > 0, `${r.id}: gap length ${gap.gapMs}`);
    assert.ok(r.continuity.indexOf(gap) <= 1, "the gap opens the log");
    const file = path.join(second.dataDir, "media", r.storageKey);
    assert.ok(framesInFirstSecond(file, r.kind) > 0, `${r.id}: decodable`);
  }
  // The recovery is in the survey's timeline, once per recovered track.
  const db = new Database(path.join(second.dataDir, "claims-survey.db"), { readonly: true });
  const events = db.prepare(`SELECT payload FROM "SurveyEvent" WHERE "surveyId" = ? AND type = 'recording.track.finalised'`).all(surveyId) as { payload: string }[];
  db.close();
  const recoveredEvents = events.map((e) => JSON.parse(e.payload) as { trackId: string; recovered?: boolean; stopCause?: string }).filter((p) => p.recovered);
  assert.deepEqual(recoveredEvents.map((p) => p.trackId).sort(), recovered.map((r) => r.id).sort());
  assert.ok(recoveredEvents.every((p) => p.stopCause === "server-crash"));

  // Composite (grid) video: rendered after the survey from the recordings list, with progress.
  await agent.reload();
  const renderStarted = Date.now();
  await agent.getByTestId("composite-start").click();
  await agent.getByTestId("composite-progress").or(agent.getByTestId("composite-done")).first().waitFor();
  const box = agent.locator('[data-testid="composite"][data-state="done"], [data-testid="composite"][data-state="failed"]');
  // The render is a VP8 encode of the whole survey on one thread; with both
  // cores busy it took over 90 s in one CI run and over 300 s in another (two
  // minutes of survey, a CPU hog and a second test lane), so no fixed limit is
  // right. The product shows progress meanwhile: the test waits as long as it
  // moves, and fails on "failed" or on progress that stands still for minutes
  // (the test's own limit is a backstop for a hang, far above a loaded run).
  await waitWhileProgressing(agent, box);
  assert.equal(await box.getAttribute("data-state"), "done", `composite render: ${await box.textContent()}`);
  const composite = path.join(second.dataDir, "media", surveyId, "composite.webm");
  assert.ok(existsSync(composite));
  const info = probe(composite);
  assert.equal(info.codec, "vp8");
  // Where this test's time goes (it is the suite's longest): the render against the survey's length.
  process.stderr.write(`composite: ${info.durationS.toFixed(1)} s of survey rendered in ${((Date.now() - renderStarted) / 1000).toFixed(1)} s\n`);
  assert.ok(info.durationS >= 12, `the composite spans the survey (${info.durationS} s)`);
  assert.ok(framesInFirstSecond(composite, "video") > 0);
});

/** Waits for `done` to show while the composite's progress bar keeps moving; fails if it stands still for 3 minutes. */
async function waitWhileProgressing(page: Page, done: Locator): Promise<void> {
  const STALL_MS = 180_000;
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    if (await done.isVisible()) return;
    const value = Number((await page.locator('[data-testid="composite-progress"] progress').getAttribute("value", { timeout: 1000 }).catch(() => null)) ?? -1);
    if (value > last) {
      last = value;
      movedAt = Date.now();
    }
    if (Date.now() - movedAt > STALL_MS) throw new Error(`the composite render stood still at ${Math.round(last * 100)}% for ${STALL_MS / 1000} s`);
    await page.waitForTimeout(2000);
  }
}
