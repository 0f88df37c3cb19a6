// The phone's live hints judge the camera preview cut into the model's windows exactly as
// the server cuts a photo. Here the phone's own code (app/_lib/capture/preview-window.ts,
// bundled as the page gets it) cuts each window of a real camera frame in Chromium, and the
// server's code (prepareModelWindows) cuts the same frame: each phone window must match the
// server's window of the same index, and match it far better than its neighbour, for a
// landscape and a portrait (turned clockwise) preview. The two scale with different filters
// (Skia in the browser, libvips on the server), so "the same" means a small mean difference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { build } from "esbuild";
import { prepareModelWindows } from "../../server/quality/prepare-model-windows";
import { launchBrowser, TEST_CAMERA_FPS } from "../support/browser";
import { y4mFromPhoto } from "../support/fake-camera";

const root = path.resolve(import.meta.dirname, "../..");
const photo = path.join(root, "tests/fixtures/photos/city-sharp.jpg");

async function bundledPreviewWindow(): Promise<string> {
  const out = await build({
    entryPoints: [path.join(root, "app/_lib/capture/preview-window.ts")],
    bundle: true,
    format: "iife",
    globalName: "previewWindowModule",
    write: false,
    target: "es2020",
  });
  return out.outputFiles[0]!.text;
}

/** A blank page on loopback: the camera needs a secure context, which about:blank is not. */
async function blankPageServer(): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((_req, res) => res.end("<!doctype html><html><body></body></html>"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() };
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

for (const size of [
  { width: 1280, height: 720 },
  { width: 720, height: 1280 },
]) {
  test(`the phone cuts a ${size.width}×${size.height} preview into the server's windows`, { timeout: 180_000 }, async () => {
    const camera = y4mFromPhoto(photo, 2, TEST_CAMERA_FPS, size);
    // The frame the camera shows, as the server would receive it (lossless).
    const framePng = execFileSync("ffmpeg", ["-v", "error", "-i", camera, "-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"], { maxBuffer: 64 * 1024 * 1024 });
    const server = (await prepareModelWindows(new Uint8Array(framePng))).windows;
    assert.equal(server.length, 2, "a 16:9 frame has two windows");

    const page_ = await blankPageServer();
    const browser = await launchBrowser({ fakeVideoFile: camera });
    try {
      const page = await browser.newPage();
      await page.goto(page_.url);
      await page.addScriptTag({ content: await bundledPreviewWindow() });
      // A string, not a function: tsx would wrap inner arrows in a helper the page lacks.
      const phone = (await page.evaluate(`(async () => {
        const video = document.createElement("video");
        video.muted = true;
        video.playsInline = true;
        video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: ${size.width}, height: ${size.height} } });
        await video.play();
        while (video.readyState < 2 || !video.videoWidth) await new Promise((r) => setTimeout(r, 50));
        video.pause();
        const canvas = document.createElement("canvas");
        // The live hints hand the same buffer back every frame: written into, it must hold the same pixels.
        const reused = new Uint8Array(640 * 480 * 3).fill(7);
        const out = [];
        for (let i = 0; i < 2; i++) {
          const cut = previewWindowModule.previewWindow(video, canvas, i);
          const into = previewWindowModule.previewWindow(video, canvas, i, reused);
          let s = "";
          for (let k = 0; k < cut.rgb.length; k += 0x8000) s += String.fromCharCode(...cut.rgb.subarray(k, k + 0x8000));
          out.push({ index: cut.index, count: cut.count, b64: btoa(s), video: [video.videoWidth, video.videoHeight], reusedSame: into.rgb === reused && into.rgb.every((v, k) => v === cut.rgb[k]) });
        }
        return out;
      })()`)) as { index: number; count: number; b64: string; video: number[]; reusedSame: boolean }[];
      assert.deepEqual(phone[0]!.video, [size.width, size.height], "the preview has the camera's size");
      for (const [i, cut] of phone.entries()) {
        assert.equal(cut.index, i);
        assert.equal(cut.count, 2);
        assert.ok(cut.reusedSame, `window ${i}: written into a reused buffer, the same pixels as into a new one`);
        const rgb = new Uint8Array(Buffer.from(cut.b64, "base64"));
        const same = meanAbsDiff(rgb, server[i]!);
        const other = meanAbsDiff(rgb, server[1 - i]!);
        assert.ok(same < 4, `window ${i}: mean difference from the server's window ${same.toFixed(2)} levels (expected < 4)`);
        assert.ok(other > 4 * same, `window ${i} is told apart from its neighbour (${same.toFixed(2)} against ${other.toFixed(2)} levels)`);
      }
    } finally {
      await browser.close();
      page_.close();
    }
  });
}

