// ffprobe/ffmpeg (Debian) on recorded files: codec, duration, packet times,
// and whether a frame decodes in the first second.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";

export function probe(file: string): { codec: string; durationS: number } {
  const out = execFileSync("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "json", file], { encoding: "utf8" });
  const json = JSON.parse(out) as { streams: { codec_name: string }[]; format: { duration?: string } };
  return { codec: json.streams[0]?.codec_name ?? "", durationS: Number(json.format.duration ?? NaN) };
}

/** Decodes the first second; returns how many frames came out (video) or whether audio decoded. */
export function framesInFirstSecond(file: string, kind: "audio" | "video"): number {
  const r = spawnSync("ffprobe", ["-v", "error", "-read_intervals", "%+1", "-select_streams", kind === "video" ? "v:0" : "a:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file], { encoding: "utf8" });
  if (r.status !== 0) return 0;
  return Number(r.stdout.trim().split(/\s+/)[0] ?? 0) || 0;
}

/** Presentation times (s) of the packets of the file's first stream, in file order. */
export async function packetTimes(file: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)("ffprobe", ["-v", "error", "-select_streams", "0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", file], { maxBuffer: 64 << 20 });
  return stdout.split("\n").filter(Boolean).map(Number);
}
