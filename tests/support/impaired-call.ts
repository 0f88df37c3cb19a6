// A two-party survey (agent + policyholder's phone) where the phone's Chromium
// sits in its own network namespace (network-namespace.ts) and the product
// listens on the server end of the veth pair: the phone reaches pages,
// signalling and media only over the link the test impairs. The agent's
// Chromium is on the machine, unimpaired. Used by the tests in tests/network/
// and by bench/network/recovery.ts.
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { desktopContext, launchBrowser, phoneContext } from "./browser";
import { LOADED_MACHINE_WAIT_MS, recordCspViolations } from "./browser-session";
import { y4mFromPhoto } from "./fake-camera";
import { createPhoneNetwork, launchBrowserInNamespace, productEnvFor, type PhoneNetwork } from "./network-namespace";
import { freePort, startProductProcess, type RunningProduct } from "./product-process";
import { agent1, agentJoins, createSurveyInConsole, inboundStats, inviteeJoins, loginAs, waitForRemoteRoles, endSurveyWithoutStatement } from "./survey-flow";

export interface ImpairedCall {
  network: PhoneNetwork;
  product: RunningProduct;
  agent: Page;
  phone: Page;
  surveyId: string;
  close(): Promise<void>;
}

const photos = path.resolve(import.meta.dirname, "../fixtures/photos");

/** Every TURN credential the server hands the phone over signalling (a plain script: no transpiler helpers). */
const recordTurnCredentials = `
  // Every TURN credential the server hands this page over signalling (tests compare them with the shared secret).
  window.__turnCredentials = [];
  const RealWebSocket = window.WebSocket;
  window.WebSocket = class extends RealWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", (ev) => {
        try {
          const m = JSON.parse(String(ev.data));
          if (m && m.ok && m.data && Array.isArray(m.data.iceServers)) window.__turnCredentials.push(...m.data.iceServers);
        } catch {}
      });
    }
  };
`;

export async function startImpairedCall(opts: {
  tag: string;
  /** Extra product environment (TURN settings...). */
  env?: (network: PhoneNetwork, port: number) => Record<string, string> | Promise<Record<string, string>>;
  /** Applied before the phone opens its link (e.g. UDP blocked from the start). */
  beforePhoneJoins?: (network: PhoneNetwork, product: RunningProduct) => Promise<void>;
  consent?: boolean;
  /** More Chromium flags for the phone. */
  phoneArgs?: string[];
}): Promise<ImpairedCall> {
  const network = await createPhoneNetwork({ tag: opts.tag });
  const browsers: Browser[] = [];
  const contexts: BrowserContext[] = [];
  let product: RunningProduct | undefined;
  const close = async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    await product?.stop();
    await network.remove();
  };
  try {
    const port = await freePort();
    product = await startProductProcess({ port, env: { ...productEnvFor(network, port), ...(await opts.env?.(network, port)) } });
    // http on the test network's address is not a secure context: let the pages use camera and microphone as over https.
    const secureOrigins = [product.url];
    const agentBrowser = await launchBrowser({ secureOrigins });
    browsers.push(agentBrowser);
    const phoneBrowser = await launchBrowserInNamespace(network, { fakeVideoFile: y4mFromPhoto(path.join(photos, "city-sharp.jpg")), secureOrigins, extraArgs: opts.phoneArgs });
    browsers.push(phoneBrowser);

    const agentContext = await agentBrowser.newContext(desktopContext);
    contexts.push(agentContext);
    const phoneContextHandle = await phoneBrowser.newContext(phoneContext);
    contexts.push(phoneContextHandle);
    for (const c of contexts) {
      c.setDefaultTimeout(LOADED_MACHINE_WAIT_MS);
      await recordCspViolations(c);
      if (process.env.SHOW_PAGE_CONSOLE) c.on("console", (m) => process.stderr.write(`[${c === agentContext ? "agent" : "phone"}] ${m.text()}\n`));
    }
    await phoneContextHandle.addInitScript({ content: recordTurnCredentials });
    const agent = await agentContext.newPage();
    agent.on("dialog", (d) => void d.accept());
    const phone = await phoneContextHandle.newPage();
    declaredHashes.set(phone, []);
    phone.on("request", (r) => {
      const h = r.method() === "POST" && r.url().endsWith("/api/captures/uploads") ? declaredHash(r.headers()["upload-metadata"]) : null;
      if (h) declaredHashes.get(phone)!.push(h);
    });

    await loginAs(agent, product.url, agent1);
    const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
    await agentJoins(agent, product.url, surveyId);
    await opts.beforePhoneJoins?.(network, product);
    await inviteeJoins(phone, policyholderLink);
    await waitForRemoteRoles(agent, ["policyholder"]);
    await waitForRemoteRoles(phone, ["agent"]);
    if (opts.consent) {
      await phone.getByTestId("consent-accept").click();
      for (const p of [agent, phone]) await p.getByTestId("rec-indicator").waitFor();
      // REC shows with the first track; on a loaded server the others' muxers
      // start seconds later. A hole made before a track's first frame is that
      // track's start-up gap, not a network gap: impair only once all four record.
      await waitForAllTracksRecording(agent, surveyId);
    }
    return { network, product, agent, phone, surveyId, close };
  } catch (err) {
    // What each screen showed when the set-up failed, for the person reading the failure.
    for (const c of contexts) for (const pg of c.pages()) process.stderr.write(`--- ${pg.url()}\n${(await pg.locator("body").innerText().catch(() => "?")).slice(0, 1500)}\n`);
    await close();
    throw err;
  }
}

/** Frames decoded so far of the remote video of `role` on this page. */
export async function framesOf(page: Page, role: string): Promise<number> {
  const stats = await inboundStats(page);
  return stats.filter((s) => s.role === role && s.kind === "video").reduce((n, s) => n + s.framesDecoded, 0);
}

/** Waits until the remote video of `role` on this page decodes new frames; returns when (ms since epoch). */
export async function waitForVideoFlowing(page: Page, role: string, timeoutMs = LOADED_MACHINE_WAIT_MS): Promise<number> {
  const start = await framesOf(page, role);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await framesOf(page, role)) > start) return Date.now();
    if (Date.now() > deadline) throw new Error(`${role}'s video did not play again within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the remote video of `role` has stopped (no new frames for `quietMs`). */
export async function waitForVideoStopped(page: Page, role: string, quietMs = 1500, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await framesOf(page, role);
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await framesOf(page, role);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    if (Date.now() > deadline) throw new Error(`${role}'s video kept playing although the link is down`);
  }
}

// The SHA-256 the phone declares for each original it starts to upload (tus
// creation, Upload-Metadata): its own hash of the bytes it kept; the server
// refuses a commit whose bytes do not hash to it.
const declaredHashes = new WeakMap<Page, string[]>();

function declaredHash(metadataHeader: string | undefined): string | null {
  const pair = (metadataHeader ?? "").split(",").find((p) => p.startsWith("sha256 "));
  return pair ? Buffer.from(pair.slice(7), "base64").toString() : null;
}

/** The phone's declared SHA-256 of every original it started to upload, in order. */
export async function uploadHashes(phone: Page): Promise<string[]> {
  return [...(declaredHashes.get(phone) ?? [])];
}

export type TimelineEvent = { type: string; actorRole?: string | null; payload: Record<string, unknown> };

export async function timeline(agent: Page, surveyId: string): Promise<TimelineEvent[]> {
  return agent.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/surveys.timeline?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json;
  }, surveyId);
}

export type RecordingRow = { id: string; kind: "audio" | "video"; role: string; status: string; storageKey: string; continuity: { type: string; at: string; cause?: string; gapMs?: number }[] };

export async function recordings(agent: Page, surveyId: string): Promise<RecordingRow[]> {
  return agent.evaluate(async (id) => {
    const r = await fetch(`/api/trpc/recordings.list?input=${encodeURIComponent(JSON.stringify({ json: { surveyId: id } }))}`);
    return (await r.json()).result.data.json;
  }, surveyId);
}

/** Waits until the agent's and the phone's audio and video each have a recording that has started. */
async function waitForAllTracksRecording(agent: Page, surveyId: string): Promise<void> {
  const want = ["agent:audio", "agent:video", "policyholder:audio", "policyholder:video"];
  const deadline = Date.now() + LOADED_MACHINE_WAIT_MS;
  for (;;) {
    const rows = await recordings(agent, surveyId);
    const started = new Set(rows.filter((r) => r.status === "recording").map((r) => `${r.role}:${r.kind}`));
    if (want.every((w) => started.has(w))) return;
    if (Date.now() > deadline) throw new Error(`not every track is recording: ${JSON.stringify(rows.map((r) => [r.role, r.kind, r.status]))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The agent ends the survey; resolves with the finalised recordings. */
export async function endAndCollectRecordings(call: ImpairedCall): Promise<RecordingRow[]> {
  await endSurveyWithoutStatement(call.agent);
  await call.agent.getByTestId("survey-status").filter({ hasText: /Ended|已结束/ }).waitFor();
  const deadline = Date.now() + LOADED_MACHINE_WAIT_MS;
  for (;;) {
    const rows = await recordings(call.agent, call.surveyId);
    if (rows.length > 0 && rows.every((r) => r.status !== "recording")) return rows;
    if (Date.now() > deadline) throw new Error(`recordings not finalised: ${JSON.stringify(rows.map((r) => [r.role, r.kind, r.status]))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
