// How often a process has gone to sleep of its own accord (blocked in poll,
// read, …), from /proc. A rise proves the process ran between two readings,
// however starved its core: used to know that ffmpeg has looked at its clock
// after a moment we care about.
import { readdir, readFile } from "node:fs/promises";

/**
 * The voluntary context switches of all the process's threads, or undefined
 * once it is gone. All threads: ffmpeg 5.1 reads its one input on the main
 * thread, later versions on a demuxer thread of its own.
 */
export async function voluntarySleeps(pid: number): Promise<number | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (!tasks) return undefined;
  let sum = 0;
  for (const tid of tasks) {
    const status = await readFile(`/proc/${pid}/task/${tid}/status`, "utf8").catch(() => "");
    sum += Number(status.match(/^voluntary_ctxt_switches:\s*(\d+)/m)?.[1] ?? 0);
  }
  return sum;
}
