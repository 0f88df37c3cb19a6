// Makes a y4m "camera" from a still photo, for Chromium's
// --use-file-for-fake-video-capture: the page's camera then shows that scene.
// A y4m of a large photo weighs tens of megabytes; each is removed when the test
// process exits, so that runs on a developer's machine do not fill its /tmp.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { TEST_CAMERA_FPS } from "./browser";

const made: string[] = [];
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** `size`: the camera's frame size (a phone's preview is smaller than its photos); the photo's own size if omitted. */
export function y4mFromPhoto(photo: string, seconds = 4, fps = TEST_CAMERA_FPS, size?: { width: number; height: number }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-cam-"));
  made.push(dir);
  const out = path.join(dir, `${path.basename(photo, path.extname(photo))}.y4m`);
  const scale = size ? ["-vf", `scale=${size.width}:${size.height}`] : [];
  execFileSync("ffmpeg", ["-v", "error", "-y", "-loop", "1", "-i", photo, "-t", String(seconds), "-r", String(fps), ...scale, "-pix_fmt", "yuv420p", out]);
  return out;
}
