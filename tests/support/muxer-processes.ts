// Finds the recorder's ffmpeg muxer processes from outside, as an operator
// would: children of the product (or test) process whose command line names
// the track's output file.
import { readFileSync, readdirSync } from "node:fs";

export interface MuxerProcess {
  pid: number;
  cmdline: string[];
}

/** ffmpeg children of `parentPid` whose command line contains `fileFragment` (e.g. "<participantId>-audio-1.webm"). */
export function muxerProcesses(parentPid: number, fileFragment = ".webm"): MuxerProcess[] {
  const out: MuxerProcess[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== parentPid) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (cmdline[0]?.endsWith("ffmpeg") && cmdline.some((a) => a.includes(fileFragment))) out.push({ pid: Number(name), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return out;
}
