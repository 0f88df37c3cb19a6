// Where a recorded video file has no picture. A simulcast sender that stops
// sending the layer being written (a loaded phone drops its top layer and picks
// it up again) leaves the recording without frames until mediasoup has a
// keyframe of another layer: seen as 1.6 s holes on a loaded machine, several
// in one half-minute track. Nothing upstream says so (the layer switch is
// logged, the hole before it is not), so the recorder reads its own file when
// it stops and names every such hole in the continuity log.
import { execFile } from "node:child_process";

export interface FrameHole {
  /** Media time (ms from the file's first frame) of the last frame before the hole. */
  fromMs: number;
  /** Media time of the first frame after it. */
  toMs: number;
}

/** The presentation times (ms) of the file's frames in file order, or null if ffprobe cannot read it. */
export function framePresentationTimes(file: string, timeoutMs = 60_000): Promise<number[] | null> {
  return new Promise((resolve) => {
    execFile(
      "ffprobe",
      ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", file],
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 << 20 },
      (err, stdout) => {
        if (err) return resolve(null);
        const times = stdout.split("\n").map((l) => Number.parseFloat(l)).filter(Number.isFinite).map((s) => Math.round(s * 1000));
        resolve(times);
      },
    );
  });
}

/** Every stretch of at least `minHoleMs` between consecutive frames (in time order). */
export function frameHoles(timesMs: number[], minHoleMs: number): FrameHole[] {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const holes: FrameHole[] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]! - sorted[i - 1]! >= minHoleMs) holes.push({ fromMs: sorted[i - 1]!, toMs: sorted[i]! });
  }
  return holes;
}
