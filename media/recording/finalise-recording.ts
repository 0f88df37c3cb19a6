// Turns a crash-safe, append-only live WebM into the file kept as evidence:
// `ffmpeg -c copy` rewrites it with Duration, Cues (seekable in every player)
// and known element sizes, without touching a single encoded frame. If that
// fails (full disk, corrupt input) the live file is kept as the recording: it
// is playable, only less convenient to seek.
import { execFile } from "node:child_process";
import { RecordingError, isDiskFull } from "./recording-error";
import type { RecordingStorage, StoredObject } from "./storage/recording-storage";

export interface FinaliseResult {
  object: StoredObject;
  /** False when the live file had to be kept because the remux failed. */
  remuxed: boolean;
  error?: RecordingError;
}

function runFfmpeg(args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // execFile kills the child on timeout; the child never outlives this call.
    execFile("ffmpeg", args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1 << 20 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const e = new Error(`ffmpeg remux failed: ${String(stderr).trim().split("\n").slice(-3).join(" | ") || err.message}`);
      if (/No space left on device/i.test(String(stderr))) (e as NodeJS.ErrnoException).code = "ENOSPC";
      reject(e);
    });
  });
}

export async function finaliseRecording(
  storage: RecordingStorage,
  liveKey: string,
  finalKey: string,
  trackId: string,
  timeoutMs = 10 * 60_000,
): Promise<FinaliseResult> {
  try {
    await runFfmpeg(
      ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", storage.localPath(liveKey), "-map", "0", "-c", "copy", "-f", "webm", storage.localPath(finalKey)],
      timeoutMs,
    );
    const object = await storage.finalise(finalKey);
    await storage.delete(liveKey);
    return { object, remuxed: true };
  } catch (err) {
    await storage.delete(finalKey).catch(() => {});
    const error = new RecordingError(
      isDiskFull(err) ? "DISK_FULL" : "FINALISE_FAILED",
      `${(err as Error).message}; keeping the live file`,
      trackId,
      { cause: err },
    );
    const object = await storage.finalise(liveKey);
    return { object, remuxed: false, error };
  }
}
