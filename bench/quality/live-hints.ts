// The phone's live hints before the shutter, per frame, in Chromium as the driver's page
// runs them: a real survey (agent and phone in their own Chromium, the phone's camera fed a
// real photograph), the agent pushes a capture step, and the phone's page judges its
// preview with the gate's model (app/_lib/capture/live-hints.ts). Each judged frame's time,
// grab → windows → model → hint, is read from the page; first at full speed, then with
// Chromium's CPU throttled 4× (DevTools' Emulation.setCPUThrottlingRate), as on a slow phone.
//   node --import tsx bench/quality/live-hints.ts [framesPerRun=40] [cameraWidth=1280] [cameraHeight=720] [--before=DIR] [--rounds=N]
// --before=DIR: also measure another checkout of the product (a worktree of the commit before
// a change, with its own page build), interleaved with this one on the same machine: N rounds
// (default 2) of one survey each, in the order before, after, after, before, …, so that a load
// that comes and goes falls on both; the section then shows both side by side with their ratio.
// The machine's load average is recorded around every survey: the figures mean little when
// other work shares the cores.
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { desktopContext, launchBrowser, phoneContext } from "../../tests/support/browser";
import { y4mFromPhoto } from "../../tests/support/fake-camera";
import { startProductProcess } from "../../tests/support/product-process";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../../tests/support/survey-flow";
import { summarize, writeSection } from "../lib/report";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const [framesArg, widthArg, heightArg] = positional;
const FRAMES = Number(framesArg ?? 40);
const WIDTH = Number(widthArg ?? 1280);
const HEIGHT = Number(heightArg ?? 720);
const beforeRoot = process.argv.find((a) => a.startsWith("--before="))?.slice("--before=".length);
const ROUNDS = Number(process.argv.find((a) => a.startsWith("--rounds="))?.slice("--rounds=".length) ?? (beforeRoot ? 2 : 1));
const COMMAND = `node --import tsx bench/quality/live-hints.ts ${FRAMES} ${WIDTH} ${HEIGHT}${beforeRoot ? ` --before=<checkout of the commit before> --rounds=${ROUNDS}` : ""}`;
const photo = path.resolve(import.meta.dirname, "../../tests/fixtures/photos/city-sharp.jpg");

/** A frame's steps as the page records them (app/_lib/capture/live-hints.ts stageMs; absent in older checkouts). */
type Stages = { draw: number; read: number; rgb: number; run: number };
type Handle = { frameMs: number[]; grabMs: number[]; stageMs?: Stages[]; snapshot(): { kind: string } };
type Run = { frame: number[]; grab: number[]; stages: Stages[] };
type Survey = { preview: string; full: Run; slow: Run; hint: string; load: [number, number] };

async function framesJudged(page: Page, n: number): Promise<Run> {
  await page.evaluate(() => {
    const h = (window as unknown as { __liveHints: Handle }).__liveHints;
    h.frameMs.splice(0);
    h.grabMs.splice(0);
    h.stageMs?.splice(0);
  });
  await page.waitForFunction((k) => ((window as unknown as { __liveHints?: Handle }).__liveHints?.frameMs.length ?? 0) >= k, n, { timeout: 240_000, polling: 500 });
  return page.evaluate(() => {
    const h = (window as unknown as { __liveHints: Handle }).__liveHints;
    return { frame: [...h.frameMs], grab: [...h.grabMs], stages: [...(h.stageMs ?? [])] };
  });
}

// The phone's camera: the photograph at the preview size asked for (a phone's usual 720p unless told otherwise).
const camera = y4mFromPhoto(photo, 4, 15, { width: WIDTH, height: HEIGHT });

/** One survey on the product at `root` (this checkout when undefined): FRAMES judged frames as is, then FRAMES at 4×. */
async function measure(root: string | undefined): Promise<Survey> {
  const load0 = os.loadavg()[0]!;
  const product = await startProductProcess(root ? { root } : {});
  const agentBrowser = await launchBrowser();
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
    const hint = await phone.evaluate(() => (window as unknown as { __liveHints: Handle }).__liveHints.snapshot().kind);
    const survey: Survey = { preview, full, slow, hint, load: [load0, os.loadavg()[0]!] };
    console.log(`${root ?? "this checkout"}: ${summarize(full.frame).median.toFixed(1)} / ${summarize(full.frame).p95.toFixed(1)} ms as is, ${summarize(slow.frame).median.toFixed(1)} / ${summarize(slow.frame).p95.toFixed(1)} ms at 4× (median / p95); load ${load0.toFixed(1)} → ${survey.load[1].toFixed(1)}`);
    return survey;
  } finally {
    await phoneBrowser.close().catch(() => {});
    await agentBrowser.close().catch(() => {});
    await product.stop();
  }
}

// Interleaved: before, after, after, before, … (one survey each).
const surveys: { before: Survey[]; after: Survey[] } = { before: [], after: [] };
for (let r = 0; r < ROUNDS; r++) {
  const order: ("before" | "after")[] = !beforeRoot ? ["after"] : r % 2 === 0 ? ["before", "after"] : ["after", "before"];
  for (const which of order) surveys[which].push(await measure(which === "before" ? path.resolve(beforeRoot!) : undefined));
}

const pooled = (list: Survey[], key: "full" | "slow"): Run => ({
  frame: list.flatMap((s) => s[key].frame),
  grab: list.flatMap((s) => s[key].grab),
  stages: list.flatMap((s) => s[key].stages),
});
const after = { full: pooled(surveys.after, "full"), slow: pooled(surveys.after, "slow") };
const f1 = (n: number) => n.toFixed(1);
const row = (label: string, run: Run) => {
  const s = summarize(run.frame);
  const g = summarize(run.grab);
  return `| ${label} | ${s.n} | ${f1(s.median)} | **${f1(s.p95)}** | ${f1(s.max)} | ${f1(g.median)} / ${f1(g.p95)} |`;
};
/** Median and p95 of each step of a frame; "rest" is the frame less the four steps. */
const stageRow = (label: string, run: Run) => {
  if (run.stages.length !== run.frame.length) return null;
  const cols: number[][] = [[], [], [], [], []];
  run.stages.forEach((st, i) => {
    cols[0]!.push(st.draw);
    cols[1]!.push(st.read);
    cols[2]!.push(st.rgb);
    cols[3]!.push(st.run);
    cols[4]!.push(run.frame[i]! - st.draw - st.read - st.rgb - st.run);
  });
  return `| ${label} | ${cols.map((c) => `${f1(summarize(c).median)} / ${f1(summarize(c).p95)}`).join(" | ")} |`;
};
const s4 = summarize(after.slow.frame);
const windows = WIDTH > (HEIGHT * 4) / 3 ? "two for this camera, one judged per frame in turn" : "one for this camera";
const loads = (list: Survey[]) => list.map((s) => `${f1(s.load[0])} → ${f1(s.load[1])}`).join(", ");
const stageRows = [stageRow("as is", after.full), stageRow("throttled 4×", after.slow)].filter((r): r is string => r !== null);
const lines = [
  `One survey${ROUNDS > 1 ? ` per round (${ROUNDS} rounds${beforeRoot ? " for each checkout, interleaved" : ""}; frames pooled)` : ""}, the phone's page in Chromium (production build, Debian's Chromium in headless mode) with its camera fed a photograph (tests/fixtures/photos/city-sharp.jpg) at ${surveys.after[0]!.preview}; the call runs meanwhile (the phone encodes and sends its video). A judged frame is: one of the model's 640×480 windows of the preview (${windows}), drawn onto a canvas as the server turns, scales and cuts a photo (app/_lib/capture/preview-window.ts), the window run through the gate's own model (onnxruntime-web 1.30, WebAssembly, one thread), combined with the other window's latest scores and the hint chosen. Times in ms, read by the page (performance.now()). After each judged frame the page waits max(250 ms, twice that frame's time) before the next, so the hints take at most a third of one core. Load average (1 min) around each survey: ${loads(surveys.after)}.`,
  "",
  "| CPU | frames | median | p95 | max | of which grab + windows (median / p95) |",
  "|---|---:|---:|---:|---:|---:|",
  row("as is", after.full),
  row("throttled 4×", after.slow),
];
if (stageRows.length) {
  lines.push(
    "",
    "Where a frame's time goes (median / p95 of each step over the same frames, ms): drawImage, getImageData and RGBA→RGB are the grab (a canvas may defer drawing the video frame until it is read); session.run is the model; the rest is the frame less these (tensor set-up, output handling, combining the windows, choosing the hint).",
    "",
    "| CPU | drawImage | getImageData | RGBA→RGB | session.run | rest |",
    "|---|---:|---:|---:|---:|---:|",
    ...stageRows,
  );
}
if (beforeRoot) {
  const before = { full: pooled(surveys.before, "full"), slow: pooled(surveys.before, "slow") };
  const commit = execFileSync("git", ["-C", path.resolve(beforeRoot), "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  const cmp = (label: string, b: Run, a: Run) => {
    const sb = summarize(b.frame);
    const sa = summarize(a.frame);
    const gb = summarize(b.grab);
    const ga = summarize(a.grab);
    return `| ${label} | ${f1(sb.median)} / ${f1(sb.p95)} | ${f1(sa.median)} / ${f1(sa.p95)} | ${(sa.median / sb.median).toFixed(2)} / ${(sa.p95 / sb.p95).toFixed(2)} | ${f1(gb.median)} → ${f1(ga.median)} |`;
  };
  lines.push(
    "",
    `**Before and after, interleaved on this machine** (before: commit ${commit}; surveys in the order before, after, after, before, …; load before: ${loads(surveys.before)}; after: ${loads(surveys.after)}):`,
    "",
    "| CPU | before median / p95 | after median / p95 | ratio after / before (median / p95) | grab median before → after |",
    "|---|---:|---:|---:|---:|",
    cmp("as is", before.full, after.full),
    cmp("throttled 4×", before.slow, after.slow),
  );
}
lines.push("", `Target: p95 ≤ 100 ms with 4× throttling — ${s4.p95 <= 100 ? "met" : "NOT met"} (${f1(s4.p95)} ms). The hint at the end: ${surveys.after.map((s) => s.hint).join(", ")}.`);
const body = lines.join("\n");
console.log(body);
writeSection("live-hints", "Live hints before the shutter: per-frame time in the phone's browser", COMMAND, body);
