// Makes a y4m "camera" from a still photo, for Chromium's
// --use-file-for-fake-video-capture: the page's camera then shows that scene.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function y4mFromPhoto(photo: string, seconds = 4, fps = 15): string {
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), "cs-cam-")), `${path.basename(photo, path.extname(photo))}.y4m`);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-loop", "1", "-i", photo, "-t", String(seconds), "-r", String(fps), "-pix_fmt", "yuv420p", out]);
  return out;
}
