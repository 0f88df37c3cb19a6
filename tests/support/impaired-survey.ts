// A three-party survey whose policyholder's phone sits behind an impaired link:
// the phone's Chromium runs in its own network namespace (network-namespace.ts),
// the agent and the adjuster in an unimpaired Chromium on the machine. Media
// may go through a delay relay so that the phone's round trip grows.
import { spawnSync } from "node:child_process";
import type { Browser, Page } from "playwright-core";
import { desktopContext, laptopContext, launchBrowser, phoneContext } from "./browser";
import { openPage } from "./browser-session";
import { createPhoneNetwork, launchBrowserInNamespace, productEnvFor, startDelayRelay, type DelayRelay, type PhoneNetwork } from "./network-namespace";
import { freePort, startProductProcess, type RunningProduct } from "./product-process";
import { reserveRtcBase } from "./rtc-ports";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "./survey-flow";

export interface ImpairedSurvey {
  network: PhoneNetwork;
  product: RunningProduct;
  relay: DelayRelay | null;
  agent: Page;
  phone: Page;
  adjuster: Page;
  surveyId: string;
  phoneId: string;
  close(): Promise<void>;
}

/**
 * Starts the product on the veth pair's server end and brings all three into
 * the survey with consent given (recording on). `delayMs`: each way, for media
 * (UDP through a relay the SFU announces), so the phone's RTT grows by 2×.
 */
export async function startImpairedSurvey(opts: { tag: string; delayMs?: number }): Promise<ImpairedSurvey> {
  const network = await createPhoneNetwork({ tag: opts.tag });
  const browsers: Browser[] = [];
  const contexts: Parameters<typeof openPage>[1] = [];
  let product: RunningProduct | undefined;
  let relay: DelayRelay | null = null;
  const close = async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    await relay?.close().catch(() => undefined);
    await product?.stop();
    await network.remove();
  };
  try {
    const port = await freePort();
    const rtcBase = await reserveRtcBase();
    const announce = opts.delayMs ? network.relayAddress : undefined;
    product = await startProductProcess({ port, rtcBase, env: productEnvFor(network, port, announce) });
    if (opts.delayMs) {
      relay = await startDelayRelay({
        protocol: "udp",
        listen: { host: network.relayAddress, port: rtcBase },
        target: { host: network.serverAddress, port: rtcBase },
        delayMs: opts.delayMs,
      });
    }
    // The pages are served from the veth address, which is not a secure context
    // (only localhost is): without the flag there is no getUserMedia at all.
    const secureOrigins = [product.url];
    const staffBrowser = await launchBrowser({ secureOrigins });
    browsers.push(staffBrowser);
    const phoneBrowser = await launchBrowserInNamespace(network, { secureOrigins });
    browsers.push(phoneBrowser);

    const agent = await openPage(staffBrowser, contexts, desktopContext);
    await loginAs(agent, product.url, agent1);
    const { surveyId, policyholderLink, adjusterLink } = await createSurveyInConsole(agent);
    await agentJoins(agent, product.url, surveyId);
    const phone = await openPage(phoneBrowser, contexts, phoneContext);
    await inviteeJoins(phone, policyholderLink);
    await phone.getByTestId("consent-accept").click();
    const adjuster = await openPage(staffBrowser, contexts, laptopContext);
    await inviteeJoins(adjuster, adjusterLink);
    await waitForRemoteRoles(agent, ["policyholder", "adjuster"]);
    await waitForRemoteRoles(phone, ["agent", "adjuster"]);
    const phoneId = await phone.evaluate(() => (window as unknown as { __surveyCall: { snapshot(): { self: { participantId: string } } } }).__surveyCall.snapshot().self.participantId);
    return { network, product, relay, agent, phone, adjuster, surveyId, phoneId, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The call phase a page shows ("in-call", "reconnecting", …). */
export function callPhase(page: Page): Promise<string | null> {
  return page.getByTestId("call").getAttribute("data-phase");
}

/** Inbound audio of one participant on a page: packets and concealment so far. */
export async function audioFrom(page: Page, participantId: string) {
  const all = await page.evaluate(async () => {
    const call = (window as unknown as { __surveyCall: { network: { audioConcealment(): Promise<{ participantId: string; concealedSamples: number; silentConcealedSamples: number; totalSamplesReceived: number; packetsLost: number }[]> } } }).__surveyCall;
    return call.network.audioConcealment();
  });
  return all.find((a) => a.participantId === participantId) ?? { participantId, concealedSamples: 0, silentConcealedSamples: 0, totalSamplesReceived: 0, packetsLost: 0 };
}

/** Decodes a whole media file: the frames decoded and ffmpeg's complaints (corrupt frames, size changes it cannot follow). */
export function decodeWhole(file: string): { frames: number; errors: string[] } {
  const r = spawnSync("ffmpeg", ["-v", "error", "-i", file, "-f", "framemd5", "-"], { encoding: "utf8", maxBuffer: 1 << 26 });
  const frames = (r.stdout ?? "").split("\n").filter((l) => l && !l.startsWith("#")).length;
  const errors = (r.stderr ?? "").split("\n").filter(Boolean);
  if (r.status !== 0) errors.push(`ffmpeg exited with ${r.status}`);
  return { frames, errors };
}

/** The picture sizes a video file's decoded frames have, in order of first appearance, with their frame counts (ffprobe). */
export function frameSizes(file: string): { size: string; frames: number }[] {
  const r = spawnSync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=width,height", "-of", "csv=p=0", file], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  const out: { size: string; frames: number }[] = [];
  for (const line of r.stdout.split("\n").filter(Boolean)) {
    const size = line.split(",").slice(0, 2).join("×");
    const last = out.find((o) => o.size === size);
    if (last) last.frames++;
    else out.push({ size, frames: 1 });
  }
  return out;
}
