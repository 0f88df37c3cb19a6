// A survey at the photo step where the policyholder's phone is on a real
// (impaired) network: its Chromium runs in its own Linux network namespace
// (tests/support/network-namespace.ts), so a blackout or a rate cap hits
// everything the phone sends (pages, signalling, media, photo uploads) and
// nothing else. With `rttMs` the phone reaches the product only through delay
// relays on the link's second server address (pages and signalling over TCP,
// media over UDP and ICE-TCP), each holding packets back rttMs/2 each way.
// The agent's Chromium is on the machine, unimpaired (its media follow the
// SFU's announced address, so they pass the relays too). Used by
// tests/browser/upload-outage.test.ts and bench/capture/run.ts.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { desktopContext, launchBrowser, phoneContext } from "../support/browser";
import { recordCspViolations } from "../support/browser-session";
import { createPhoneNetwork, launchBrowserInNamespace, productEnvFor, startDelayRelay, type DelayRelay, type PhoneNetwork } from "../support/network-namespace";
import { freePort, startProductProcess, type RunningProduct } from "../support/product-process";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../support/survey-flow";
import { pushGuide } from "./phone-photos";

const LOADED_MS = 120_000;

export interface PhotoCallInNamespace {
  network: PhoneNetwork;
  product: RunningProduct;
  agent: Page;
  agentContext: BrowserContext;
  phone: Page;
  phoneContext: BrowserContext;
  surveyId: string;
  /** The origin the phone's pages are on (the relay's when rttMs is set). */
  phoneOrigin: string;
  relays: DelayRelay[];
  close(): Promise<void>;
}

export async function startPhotoCallInNamespace(opts: {
  tag: string;
  /** The phone camera's y4m (tests/support/fake-camera.ts). */
  camera: string;
  /** Added round-trip time between the phone and the product (0: none, the phone talks to the product directly). */
  rttMs?: number;
  itemKey?: string;
  /** A script run in the phone's pages before theirs (e.g. timestamps for a benchmark). */
  phoneInitScript?: string;
  /** Called with the phone's context before its first page opens (routes, more scripts). */
  preparePhone?: (ctx: BrowserContext) => Promise<void>;
  /** Another checkout of the product to run (a benchmark's "before"); default this one. */
  root?: string;
}): Promise<PhotoCallInNamespace> {
  const network = await createPhoneNetwork({ tag: opts.tag });
  const browsers: Browser[] = [];
  const relays: DelayRelay[] = [];
  let product: RunningProduct | undefined;
  const close = async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    for (const r of relays) await r.close().catch(() => undefined);
    await product?.stop();
    await network.remove();
  };
  try {
    const port = await freePort();
    const rtt = opts.rttMs ?? 0;
    const relayOrigin = `http://${network.relayAddress}:${port}`;
    product = await startProductProcess({
      port,
      root: opts.root,
      env: { ...productEnvFor(network, port, rtt ? network.relayAddress : undefined), ...(rtt ? { ALLOWED_ORIGINS: relayOrigin } : {}) },
    });
    if (rtt) {
      const delayMs = rtt / 2;
      const to = (p: number) => ({ listen: { host: network.relayAddress, port: p }, target: { host: network.serverAddress, port: p }, delayMs });
      relays.push(await startDelayRelay({ protocol: "tcp", ...to(port) }));
      relays.push(await startDelayRelay({ protocol: "udp", ...to(product.rtcBase) }));
      relays.push(await startDelayRelay({ protocol: "tcp", ...to(product.rtcBase) }));
    }
    const phoneOrigin = rtt ? relayOrigin : product.url;
    // http on the test network's addresses is not a secure context: camera, microphone and crypto.subtle as over https.
    const secureOrigins = [product.url, relayOrigin];
    const agentBrowser = await launchBrowser({ secureOrigins });
    browsers.push(agentBrowser);
    const phoneBrowser = await launchBrowserInNamespace(network, { fakeVideoFile: opts.camera, secureOrigins });
    browsers.push(phoneBrowser);
    const agentContext = await agentBrowser.newContext(desktopContext);
    const phoneCtx = await phoneBrowser.newContext(phoneContext);
    for (const c of [agentContext, phoneCtx]) {
      // Five helpers' runs share two cores: every wait is generous.
      c.setDefaultTimeout(LOADED_MS);
      c.setDefaultNavigationTimeout(LOADED_MS);
      await recordCspViolations(c);
      if (process.env.SHOW_PAGE_CONSOLE) c.on("console", (m) => process.stderr.write(`[${c === agentContext ? "agent" : "phone"}] ${m.text()}\n`));
    }
    if (opts.phoneInitScript) await phoneCtx.addInitScript({ content: opts.phoneInitScript });
    await opts.preparePhone?.(phoneCtx);
    const agent = await agentContext.newPage();
    agent.on("dialog", (d) => void d.accept());
    const phone = await phoneCtx.newPage();

    await loginAs(agent, product.url, agent1);
    const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
    await agentJoins(agent, product.url, surveyId);
    const link = new URL(policyholderLink);
    await inviteeJoins(phone, `${phoneOrigin}${link.pathname}${link.search}${link.hash}`);
    await waitForRemoteRoles(agent, ["policyholder"], 180_000);
    await waitForRemoteRoles(phone, ["agent"], 180_000);
    await phone.getByTestId("consent-refuse").click();
    await pushGuide(agent, phone, opts.itemKey ?? "licence_plate");
    return { network, product, agent, agentContext, phone, phoneContext: phoneCtx, surveyId, phoneOrigin, relays, close };
  } catch (err) {
    for (const b of browsers) for (const c of b.contexts()) for (const pg of c.pages()) process.stderr.write(`--- ${pg.url()}\n${(await pg.locator("body").innerText().catch(() => "?")).slice(0, 1500)}\n`);
    await close();
    throw err;
  }
}
