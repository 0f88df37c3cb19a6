// Rewrites a WebM whose writer never finished (ffmpeg interrupted, or killed
// with the server) into a complete one: `ffmpeg -c copy` copies every frame
// unchanged and adds what only a trailer provides — Duration and Cues, i.e.
// a known length and seeking in every player. The original is replaced only
// once the copy is complete (rename is atomic), so a failed repair loses nothing.
import { execFile } from "node:child_process";
import { rename, rm } from "node:fs/promises";

export async function repairRecording(file: string, timeoutMs = 10 * 60_000): Promise<void> {
  const tmp = `${file}.repair.webm`;
  try {
    await new Promise<void>((resolve, reject) => {
      // execFile kills the child on timeout; it never outlives this call.
      execFile(
        "ffmpeg",
        ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", file, "-map", "0", "-c", "copy", "-f", "webm", tmp],
        { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1 << 20 },
        (err, _stdout, stderr) => {
          if (!err) return resolve();
          const e = new Error(`repair of ${file} failed: ${String(stderr).trim().split("\n").slice(-2).join(" | ") || err.message}`);
          if (/No space left on device/i.test(String(stderr))) (e as NodeJS.ErrnoException).code = "ENOSPC";
          reject(e);
        },
      );
    });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
