// What a recorded file really holds, as ffprobe reads it: its length and codec.
// The recorder checks each file it finishes against the media it forwarded, and
// crash recovery reads the files a killed server left behind.
import { execFile } from "node:child_process";

export interface ProbedMedia {
  durationMs: number;
  codec: string;
}

/** ffprobe's duration and codec, or null if ffprobe finds no decodable stream. */
export function probeMedia(file: string, timeoutMs = 60_000): Promise<ProbedMedia | null> {
  return new Promise((resolve) => {
    execFile(
      "ffprobe",
      ["-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", file],
      { timeout: timeoutMs, killSignal: "SIGKILL" },
      (err, stdout) => {
        if (err) return resolve(null);
        try {
          const j = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_name?: string }[] };
          const durationS = Number(j.format?.duration);
          const codec = j.streams?.[0]?.codec_name;
          resolve(codec && Number.isFinite(durationS) && durationS > 0 ? { durationMs: Math.round(durationS * 1000), codec } : null);
        } catch {
          resolve(null);
        }
      },
    );
  });
}
