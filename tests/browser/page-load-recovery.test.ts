// A page whose script was lost on the way (a phone changing network as the SMS link opens:
// net::ERR_NETWORK_CHANGED). Seen in this suite: the adjuster's join page lost a script while
// another test re-plumbed the machine's network, and its join button stayed disabled for good.
// Here a script of the page is refused by the browser's network layer (Playwright aborts the
// request as a dropped connection) and the page must: reload by itself and come alive; after
// three failed reloads in a row, say so in the page's language with a reload button that works;
// once alive, never reload because a later script fails (that would drop a driver from a call).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession } from "../support/browser-session";
import { agent1, createSurveyInConsole, loginAs } from "../support/survey-flow";
import { messages } from "../../app/_i18n/messages";
import { MAX_RELOADS, RELOADS_KEY } from "../../app/_lib/page-load/script-recovery";

const session = browserSession();

/** Counts the page's document loads and makes one of its scripts fail while `failing(load)` says so. */
async function phoneWithFailingScript(failing: (documentLoad: number) => boolean): Promise<{ page: Page; loads: () => number; victim: () => string | null }> {
  const page = await session.newPage(phoneContext);
  let loads = 0;
  let victim: string | null = null;
  page.on("request", (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) loads++;
  });
  await page.route((u) => u.pathname.startsWith("/_next/static/") && u.pathname.endsWith(".js"), async (route) => {
    const url = new URL(route.request().url()).pathname;
    victim ??= url; // the first script the page asks for
    if (url === victim && failing(loads)) await route.abort("internetdisconnected");
    else await route.continue();
  });
  return { page, loads: () => loads, victim: () => victim };
}

const joinable = (page: Page) => page.waitForFunction(() => !(document.querySelector('[data-testid="join-button"]') as HTMLButtonElement | null)?.disabled);
const reloadsCounted = (page: Page) => page.evaluate((key) => sessionStorage.getItem(key), RELOADS_KEY);

test("a script lost while the page loads: the page reloads and comes alive; after three failures it says so; once alive it never reloads", { timeout: 600_000 }, async () => {
  const agent = await session.newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { policyholderLink } = await createSurveyInConsole(agent);

  // One load loses a script: the page reloads by itself and the join button comes alive.
  const once = await phoneWithFailingScript((load) => load === 1);
  await once.page.goto(policyholderLink);
  await joinable(once.page);
  assert.ok(once.victim(), "a script of the page was refused");
  assert.equal(once.loads(), 2, "the page reloaded itself once");
  assert.equal(await reloadsCounted(once.page), null, "an alive page clears the count of reloads");

  // Once alive, a script that fails later is no reason to reload: the handler has stepped aside
  // (it would count the reload at once, before waiting to reload).
  const counted = await once.page.evaluate((key) => {
    const s = document.createElement("script");
    s.type = "text/plain"; // never fetched: only its error event is wanted
    s.src = "/_next/static/chunks/a-later-part.js";
    document.body.append(s);
    s.dispatchEvent(new Event("error"));
    return sessionStorage.getItem(key);
  }, RELOADS_KEY);
  assert.equal(counted, null, "a failed script after the page came alive started no reload");
  assert.equal(once.loads(), 2);

  // Every load loses it: three reloads, then the page says so in its language (zh-CN here).
  let broken = true;
  const always = await phoneWithFailingScript(() => broken);
  await always.page.goto(policyholderLink);
  const notice = always.page.getByTestId("page-load-failed");
  await notice.waitFor();
  assert.equal(always.loads(), 1 + MAX_RELOADS, "it gave up after the allowed reloads");
  assert.equal((await notice.locator("p").textContent())?.trim(), messages["zh-CN"]["page.loadFailed"]);
  assert.equal(await always.page.getByTestId("join-button").isDisabled(), true, "the page is not alive: the notice is all that explains it");
  // The network is back: the notice's button reloads and the page comes alive.
  broken = false;
  await notice.getByRole("button", { name: messages["zh-CN"]["page.reload"] }).click();
  await joinable(always.page);
  assert.equal(always.loads(), 2 + MAX_RELOADS);
  assert.equal(await always.page.getByTestId("page-load-failed").count(), 0);
});
