// Support for the upload browser tests: a survey with the agent in the
// console and the policyholder's phone on the capture step, and what the
// phone keeps in IndexedDB and the server keeps on disk.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { RunningProduct } from "../support/product-process";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { recordCspViolations } from "../support/browser-session";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";

const LOADED_MS = 120_000;

export interface CaptureStep {
  agent: Page;
  phone: Page;
  phoneContext: BrowserContext;
  surveyId: string;
  policyholderLink: string;
  browsers: Browser[];
}

/** Agent in the call, phone in the call with recording declined and the guide for `itemKey` on screen. */
export async function captureStep(product: RunningProduct, fakeVideoFile: string, itemKey = "licence_plate"): Promise<CaptureStep> {
  const agentBrowser = await launchBrowser();
  const agentContext = await agentBrowser.newContext(desktopContext);
  // Five helpers' test runs share two cores: every wait is generous (loaded-machine rule).
  agentContext.setDefaultTimeout(LOADED_MS);
  agentContext.setDefaultNavigationTimeout(LOADED_MS);
  await recordCspViolations(agentContext);
  const agent = await agentContext.newPage();
  await loginAs(agent, product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, product.url, surveyId);
  const phoneBrowser = await launchBrowser({ fakeVideoFile });
  const ctx = await phoneBrowser.newContext(phoneContext);
  ctx.setDefaultTimeout(LOADED_MS);
  ctx.setDefaultNavigationTimeout(LOADED_MS);
  await recordCspViolations(ctx);
  if (process.env.SHOW_PAGE_CONSOLE) {
    ctx.on("console", (m) => process.stderr.write(`[phone] ${m.text()}\n`));
    ctx.on("requestfailed", (r) => process.stderr.write(`[phone] failed ${r.method()} ${r.url()} ${r.failure()?.errorText}\n`));
  }
  const phone = await ctx.newPage();
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"], 180_000);
  await phone.getByTestId("consent-refuse").click({ timeout: 120_000 });
  await pushGuide(agent, phone, itemKey);
  return { agent, phone, phoneContext: ctx, surveyId, policyholderLink, browsers: [agentBrowser, phoneBrowser] };
}

export async function pushGuide(agent: Page, phone: Page, itemKey: string) {
  await agent.locator(`[data-testid="checklist-item"][data-key="${itemKey}"] [data-testid="push-guide"]`).click();
  await phone.locator(`[data-testid="guide-instruction"][data-item="${itemKey}"]`).waitFor({ timeout: 60_000 });
}

/** The stills the phone keeps until the server acknowledges them, with the SHA-256 of each original as stored. */
export function stillsOnPhone(page: Page): Promise<{ key: string; itemKey: string; size: number; sha256: string; declared: string; uploadUrl: string | null }[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open("claims-survey-photos", 1);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onupgradeneeded = () => req.result.createObjectStore("stills", { keyPath: "key" }).createIndex("scope", "scope");
    });
    const all = await new Promise<{ key: string; itemKey: string; original: Blob; sha256: string; uploadUrl: string | null }[]>((resolve, reject) => {
      const req = db.transaction("stills", "readonly").objectStore("stills").getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    const out = [];
    for (const s of all) {
      const digest = await crypto.subtle.digest("SHA-256", await s.original.arrayBuffer());
      const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      out.push({ key: s.key, itemKey: s.itemKey, size: s.original.size, sha256, declared: s.sha256, uploadUrl: s.uploadUrl });
    }
    return out;
  });
}

/** SHA-256 → file name of every stored original (not thumbnails, not compact copies) of a survey. */
export function storedOriginals(product: RunningProduct, surveyId: string): Map<string, string> {
  const dir = path.join(product.dataDir, "media", surveyId, "photos");
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => !n.includes(".thumb-") && !n.includes(".provisional."))) {
    out.set(createHash("sha256").update(readFileSync(path.join(dir, f))).digest("hex"), f);
  }
  return out;
}

/** Polls a condition with a generous deadline (the machine is loaded). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
