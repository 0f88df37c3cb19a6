// The set-up every browser test file shares: one real product process and one
// Chromium for the file, a fresh context per page, everything closed at the end.
import { after, afterEach, before } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "./browser";
import { describePages, keepPageConsole } from "./page-state";
import { startProductProcess, type RunningProduct } from "./product-process";

type ContextOptions = Parameters<Browser["newContext"]>[0];

/** Longest a browser test waits for something that must happen. */
export const LOADED_MACHINE_WAIT_MS = 90_000;

/**
 * Content-Security-Policy violations seen by any page of this process: the pages must
 * run under the product's CSP, so a browser test fails when the browser blocks anything.
 */
export const cspViolations: string[] = [];

/** Records into cspViolations whatever any page of this context reports as blocked by its CSP. */
export async function recordCspViolations(ctx: BrowserContext): Promise<void> {
  // Injected by the browser itself (not a page script), so the CSP cannot block the listener.
  await ctx.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
  });
  ctx.on("console", (m) => {
    const text = m.text();
    if (/CSP violation|Content Security Policy|Refused to (load|execute|connect|apply|frame|create)/i.test(text)) cspViolations.push(`${m.page()?.url() ?? "?"}: ${text}`);
  });
}

/** A page in its own context (own cookies, own camera), accepting confirm() dialogs; CSP violations are recorded. */
export async function openPage(browser: Browser, contexts: BrowserContext[], options?: ContextOptions): Promise<Page> {
  const ctx = await browser.newContext(options);
  contexts.push(ctx);
  // Waits are for a condition, never a race: on a loaded server (both cores
  // busy) a verdict or a first frame can take tens of seconds and still be right.
  ctx.setDefaultTimeout(LOADED_MACHINE_WAIT_MS);
  await recordCspViolations(ctx);
  keepPageConsole(ctx);
  const page = await ctx.newPage();
  page.on("dialog", (d) => void d.accept());
  return page;
}

export interface BrowserSession {
  readonly product: RunningProduct;
  readonly browser: Browser;
  newPage(options?: ContextOptions): Promise<Page>;
}

export function browserSession(opts: { launch?: () => Promise<Browser>; start?: () => Promise<RunningProduct> } = {}): BrowserSession {
  let product: RunningProduct | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  before(async () => {
    product = await (opts.start ?? startProductProcess)();
    browser = await (opts.launch ?? launchBrowser)();
  });
  afterEach(async (t) => {
    if (failed(t)) await reportPages(t.name, contexts);
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await product?.stop();
    if (cspViolations.length) throw new Error(`the pages broke their Content-Security-Policy:\n${cspViolations.join("\n")}`);
  });
  return {
    get product() {
      if (!product) throw new Error("the product is not started yet (use it inside a test)");
      return product;
    },
    get browser() {
      if (!browser) throw new Error("the browser is not launched yet (use it inside a test)");
      return browser;
    },
    newPage: (options) => {
      if (!browser) throw new Error("the browser is not launched yet (use it inside a test)");
      return openPage(browser, contexts, options);
    },
  };
}

/**
 * For a file whose tests launch their own browsers (each with its own fake camera): one
 * product for the file; every browser kept in `browsers` is closed at the end, and the
 * file fails when a page broke the CSP.
 */
export function productWithOwnBrowsers(opts: { start?: () => Promise<RunningProduct> } = {}): { readonly product: RunningProduct; readonly browsers: Browser[] } {
  let product: RunningProduct | undefined;
  const browsers: Browser[] = [];
  before(async () => {
    product = await (opts.start ?? startProductProcess)();
  });
  afterEach(async (t) => {
    if (failed(t)) await reportPages(t.name, browsers.flatMap((b) => b.contexts()));
  });
  after(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await product?.stop();
    if (cspViolations.length) throw new Error(`the pages broke their Content-Security-Policy:\n${cspViolations.join("\n")}`);
  });
  return {
    get product() {
      if (!product) throw new Error("the product is not started yet (use it inside a test)");
      return product;
    },
    browsers,
  };
}

/** A failed test's pages, as they were when it failed: written before anything is closed. */
async function reportPages(test: string, contexts: readonly BrowserContext[]) {
  const text = await describePages(contexts).catch((err: unknown) => `could not describe the pages: ${err instanceof Error ? err.message : String(err)}`);
  // The end mark lets scripts/test.sh lift these lines into the run's summary.
  process.stderr.write(`--- the pages when "${test}" failed ---\n${text}\n--- end of the pages ---\n`);
}

/** node:test sets `passed` on a finished test's context (Node >= 20.12); the typings lag. */
function failed(t: unknown): boolean {
  return (t as { passed?: boolean }).passed === false;
}
