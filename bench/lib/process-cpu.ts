// CPU time of processes from Linux's /proc, for benchmarks that charge a product's
// processes (bench/sfu, bench/start).
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux; bench/sfu checks it with getconf). */
export const CLOCK_TICKS = 100;

/** A process's own CPU ticks (user + system) and those of its children it has reaped. */
export function processTicks(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // After the comm field, which may hold spaces: [0]=state … [11]=utime [12]=stime [13]=cutime [14]=cstime
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

/** CPU seconds of a process, its live descendants and the children they have reaped. */
export function treeCpuSeconds(pid: number): number {
  const t = processTicks(pid);
  let total = (t.own + t.children) / CLOCK_TICKS;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  for (const c of children) total += treeCpuSeconds(Number(c));
  return total;
}
