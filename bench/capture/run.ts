// bench/capture: shutter → provisional verdict shown on the phone, and
// shutter → original acknowledged (the server's SHA-256 back on the phone and
// its verdict shown), for a 12-MP still on a capped uplink.
//   node --import tsx bench/capture/run.ts [runs=10] [uplinkKbit=2000] [rttMs=80]
// The phone's camera is fed a 4000×3000 scene (Chromium's file-backed fake
// camera; ImageCapture.takePhoto returns the file's full-size frame), the
// phone page's HTTP traffic is capped by Chromium's own network emulation
// (DevTools Network.emulateNetworkConditions: upload throughput and added
// latency), and the page itself timestamps (performance.now()) the shutter tap,
// the quick verdict appearing and the final verdict appearing.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { startProductProcess } from "../../tests/support/product-process";
import { launchBrowser, desktopContext, phoneContext } from "../../tests/support/browser";
import { agent1, agentJoins, createSurveyInConsole, inviteeJoins, loginAs, waitForRemoteRoles } from "../../tests/support/survey-flow";
import { summarize, writeSection } from "../lib/report";

const runs = Number(process.argv[2] ?? 10);
const uplinkKbit = Number(process.argv[3] ?? 2000);
const rttMs = Number(process.argv[4] ?? 80);

// A 12-MP (4000×3000) scene with a camera's fine grain, as a JPEG a phone would write, then a one-frame y4m camera.
const dir = mkdtempSync(path.join(os.tmpdir(), "cs-bench-cap-"));
const scene = path.join(dir, "scene-12mp.jpg");
const base = await sharp(readFileSync(path.resolve(import.meta.dirname, "../../tests/fixtures/photos/mountain-sharp.jpg"))).resize(4000, 3000, { kernel: "lanczos3" }).sharpen().jpeg({ quality: 92 }).toFile(scene);
const camera = path.join(dir, "scene-12mp.y4m");
execFileSync("ffmpeg", ["-v", "error", "-y", "-loop", "1", "-i", scene, "-t", "2", "-r", "1", "-pix_fmt", "yuv420p", camera]);

const probe = `
  window.__cap = { shots: [] };
  document.addEventListener("click", (e) => {
    if (e.target && e.target.closest && e.target.closest('[data-testid="shutter"]')) window.__cap.shots.push({ shutter: performance.now() });
  }, true);
  new MutationObserver((muts) => {
    const cur = window.__cap.shots[window.__cap.shots.length - 1];
    if (!cur) return;
    for (const m of muts) for (const n of m.addedNodes) {
      if (!(n instanceof Element)) continue;
      for (const el of [n, ...n.querySelectorAll("[data-testid]")]) {
        const id = el.getAttribute("data-testid");
        if (id === "provisional-verdict" && cur.provisional === undefined) cur.provisional = performance.now();
        if (id === "capture-verdict" && cur.acknowledged === undefined) cur.acknowledged = performance.now();
      }
    }
  }).observe(document, { childList: true, subtree: true });
`;

const product = await startProductProcess();
const agentBrowser = await launchBrowser();
const phoneBrowser = await launchBrowser({ fakeVideoFile: camera });
try {
  const agent = await (await agentBrowser.newContext(desktopContext)).newPage();
  await loginAs(agent, product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent);
  await agentJoins(agent, product.url, surveyId);
  const ctx = await phoneBrowser.newContext(phoneContext);
  await ctx.addInitScript({ content: probe });
  const phone = await ctx.newPage();
  await inviteeJoins(phone, policyholderLink);
  await waitForRemoteRoles(agent, ["policyholder"], 180_000);
  await phone.getByTestId("consent-refuse").click();
  await agent.locator('[data-testid="checklist-item"][data-key="licence_plate"] [data-testid="push-guide"]').click();
  await phone.locator('[data-testid="guide-instruction"][data-item="licence_plate"]').waitFor({ timeout: 60_000 });
  const cdp = await ctx.newCDPSession(phone);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: rttMs, uploadThroughput: (uplinkKbit * 1000) / 8, downloadThroughput: (10_000 * 1000) / 8 });

  const quick: number[] = [];
  const acknowledged: number[] = [];
  for (let i = 0; i < runs; i++) {
    await phone.locator('[data-testid="shutter"]:enabled').waitFor({ timeout: 120_000 });
    await phone.getByTestId("shutter").click();
    await phone.waitForFunction((n) => {
      const s = (window as unknown as { __cap: { shots: { acknowledged?: number }[] } }).__cap.shots[n];
      return s?.acknowledged !== undefined;
    }, i, { timeout: 300_000 });
    const shot = await phone.evaluate((n) => (window as unknown as { __cap: { shots: { shutter: number; provisional?: number; acknowledged: number }[] } }).__cap.shots[n]!, i);
    if (shot.provisional === undefined) throw new Error(`run ${i + 1}: the final verdict came without a quick verdict before it`);
    quick.push(shot.provisional - shot.shutter);
    acknowledged.push(shot.acknowledged - shot.shutter);
    console.log(`run ${i + 1}: shutter → quick verdict ${(shot.provisional - shot.shutter).toFixed(0)} ms, → original acknowledged ${(shot.acknowledged - shot.shutter).toFixed(0)} ms`);
  }
  // What the phone actually sent: the stored originals and compact copies.
  const photosDir = path.join(product.dataDir, "media", surveyId, "photos");
  const files = readdirSync(photosDir);
  const originals = files.filter((f) => !f.includes(".thumb-") && !f.includes(".provisional."));
  const compacts = files.filter((f) => f.includes(".provisional."));
  const om = await sharp(path.join(photosDir, originals[0]!)).metadata();
  const cm = await sharp(path.join(photosDir, compacts[0]!)).metadata();
  const avg = (fs: string[]) => fs.reduce((a, f) => a + readFileSync(path.join(photosDir, f)).length, 0) / fs.length;
  const q = summarize(quick);
  const a = summarize(acknowledged);
  const fmt = (n: number) => `${(n / 1000).toFixed(3)} s`;
  const body = [
    `Phone-sized Chromium, camera fed a 4000×3000 scene (${(base.size / 1e6).toFixed(1)} MB JPEG); uplink capped at ${uplinkKbit / 1000} Mbit/s with ${rttMs} ms added latency by Chromium's network emulation (DevTools \`Network.emulateNetworkConditions\`, HTTP only: the call's WebRTC media are not in that cap), agent in the call, production build, loopback, ${runs} runs in a row.`,
    `Sent per photo: the original ${om.width}×${om.height}, ${(avg(originals) / 1e6).toFixed(2)} MB (tus, 1 MB chunks); the compact copy ${cm.width}×${cm.height}, ${(avg(compacts) / 1024).toFixed(0)} KB.`,
    "",
    "| measure | median | p95 | min | max |",
    "| --- | --- | --- | --- | --- |",
    `| shutter → provisional verdict shown on the phone | ${fmt(q.median)} | ${fmt(q.p95)} | ${fmt(q.min)} | ${fmt(q.max)} |`,
    `| shutter → original acknowledged (SHA-256 back, final verdict shown) | ${fmt(a.median)} | ${fmt(a.p95)} | ${fmt(a.min)} | ${fmt(a.max)} |`,
    "",
    `Target: p95 ≤ 1.5 s for the first row — ${q.p95 <= 1500 ? "met" : "NOT met"}.`,
  ].join("\n");
  writeSection("capture", "Photo: shutter → provisional verdict, and → original acknowledged", `node --import tsx bench/capture/run.ts ${runs} ${uplinkKbit} ${rttMs}`, body);
  console.log(body);
} finally {
  await phoneBrowser.close();
  await agentBrowser.close();
  await product.stop();
}
