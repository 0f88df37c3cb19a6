// The phone's live hints before the shutter, per frame, in Chromium as the driver's page
// runs them: a real survey (agent and phone in their own Chromium, the phone's camera fed a
// real photograph), the agent pushes a capture step, and the phone's page judges its
// preview with the gate's model (app/_lib/capture/live-hints.ts). Each judged frame's time,
// grab → windows → model → hint, is read from the page; first at full speed, then with
// Chromium's CPU throttled 4× (DevTools' Emulation.setCPUThrottlingRate), as on a slow phone.
//   node --import tsx bench/quality/live-hints.ts [framesPerRun=40] [cameraWidth=1280] [cameraHeight=720]
import path from "node:path";
import type { Page } from "playwright-core";
import { desktopContext, launchBrowser, phoneContext } from "../../tests/support/browser";
import { y4mFromPhoto } from "../../tests/support/fake-camera";
import { startProductProcess } from "../../tests/support/product-process";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../../tests/support/survey-flow";
import { summarize, writeSection } from "../lib/report";

const [framesArg, widthArg, heightArg] = process.argv.slice(2);
const FRAMES = Number(framesArg ?? 40);
const WIDTH = Number(widthArg ?? 1280);
const HEIGHT = Number(heightArg ?? 720);
const COMMAND = `node --import tsx bench/quality/live-hints.ts ${FRAMES} ${WIDTH} ${HEIGHT}`;
const photo = path.resolve(import.meta.dirname, "../../tests/fixtures/photos/city-sharp.jpg");

type Handle = { frameMs: number[]; grabMs: number[]; snapshot(): { kind: string } };

async function framesJudged(page: Page, n: number): Promise<{ frame: number[]; grab: number[] }> {
  await page.evaluate(() => {
    const h = (window as unknown as { __liveHints: Handle }).__liveHints;
    h.frameMs.splice(0);
    h.grabMs.splice(0);
  });
  await page.waitForFunction((k) => ((window as unknown as { __liveHints?: Handle }).__liveHints?.frameMs.length ?? 0) >= k, n, { timeout: 240_000, polling: 500 });
  return page.evaluate(() => {
    const h = (window as unknown as { __liveHints: Handle }).__liveHints;
    return { frame: [...h.frameMs], grab: [...h.grabMs] };
  });
}

const product = await startProductProcess();
const agentBrowser = await launchBrowser();
// The phone's camera: the photograph at the preview size asked for (a phone's usual 720p unless told otherwise).
const camera = y4mFromPhoto(photo, 4, 15, { width: WIDTH, height: HEIGHT });
const phoneBrowser = await launchBrowser({ fakeVideoFile: camera });
try {
  const agent = await (await agentBrowser.newContext(desktopContext)).newPage();
  await loginAs(agent, product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, product.url, surveyId);
  const phone = await (await phoneBrowser.newContext(phoneContext)).newPage();
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await phone.getByTestId("consent-refuse").click({ timeout: 120_000 });
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]').click();
  await phone.locator('[data-testid="guide-instruction"][data-item="licence_plate"]').waitFor();
  const preview = await phone.getByTestId("capture-preview").evaluate((v) => `${(v as HTMLVideoElement).videoWidth}×${(v as HTMLVideoElement).videoHeight}`);
  // Warm-up: the runtime and model load, the first runs set up their kernels.
  await framesJudged(phone, 5);
  const full = await framesJudged(phone, FRAMES);
  const cdp = await phone.context().newCDPSession(phone);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  await framesJudged(phone, 3);
  const slow = await framesJudged(phone, FRAMES);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
  const hint = await phone.evaluate(() => (window as unknown as { __liveHints: Handle }).__liveHints.snapshot());

  const row = (label: string, run: { frame: number[]; grab: number[] }) => {
    const s = summarize(run.frame);
    const g = summarize(run.grab);
    return `| ${label} | ${s.n} | ${s.median.toFixed(1)} | **${s.p95.toFixed(1)}** | ${s.max.toFixed(1)} | ${g.median.toFixed(1)} / ${g.p95.toFixed(1)} |`;
  };
  const s4 = summarize(slow.frame);
  const body = [
    `One survey, the phone's page in Chromium (production build, Debian's Chromium in headless mode) with its camera fed a photograph (tests/fixtures/photos/city-sharp.jpg) at ${preview}; the call runs meanwhile (the phone encodes and sends its video). A judged frame is: one of the model's 640×480 windows of the preview (${WIDTH > (HEIGHT * 4) / 3 ? "two for this camera, one judged per frame in turn" : "one for this camera"}), drawn onto a canvas as the server turns, scales and cuts a photo (app/_lib/capture/preview-window.ts), the window run through the gate's own model (onnxruntime-web 1.30, WebAssembly, one thread), combined with the other window's latest scores and the hint chosen. Times in ms, read by the page (performance.now()). After each judged frame the page waits max(250 ms, twice that frame's time) before the next, so the hints take at most a third of one core.`,
    "",
    "| CPU | frames | median | p95 | max | of which grab + windows (median / p95) |",
    "|---|---:|---:|---:|---:|---:|",
    row("as is", full),
    row("throttled 4×", slow),
    "",
    `Target: p95 ≤ 100 ms with 4× throttling — ${s4.p95 <= 100 ? "met" : "NOT met"} (${s4.p95.toFixed(1)} ms). The hint at the end: ${hint.kind}.`,
  ].join("\n");
  console.log(body);
  writeSection("live-hints", "Live hints before the shutter: per-frame time in the phone's browser", COMMAND, body);
} finally {
  await phoneBrowser.close().catch(() => {});
  await agentBrowser.close().catch(() => {});
  await product.stop();
}
