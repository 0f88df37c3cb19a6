// RTC port blocks for product processes started by the tests. Two lanes of
// test files run at once, each starting products; a block picked at random
// could be one another product already holds (its mediasoup worker then dies
// with "address already in use"). A block is reserved with a lock file named
// after it that holds the reserving process's pid: no other test process takes
// it while that process lives, and a lock left by a dead process is taken over.
// A block found busy is given back at once (only the one used is kept).
// Blocks lie outside the kernel's ephemeral range: a TCP connection's local
// port (a browser's, a database client's) can take any port there, and the
// worker's ICE-TCP listen on that port then fails with "address already in use"
// (seen in a fresh-clone run on port 47700).
import dgram from "node:dgram";
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export const RTC_BLOCK_SIZE = 100;
const FIRST = 20000;

/** The kernel's ephemeral port range (net.ipv4.ip_local_port_range). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo!, hi!];
  } catch {
    /* not Linux: the Linux default */
  }
  return [32768, 60999];
}

/** Block bases from FIRST up, none overlapping the ephemeral range. */
const BASES = (() => {
  const [lo, hi] = ephemeralRange();
  const bases: number[] = [];
  for (let base = FIRST; base + RTC_BLOCK_SIZE - 1 <= 65535; base += RTC_BLOCK_SIZE) {
    if (base + RTC_BLOCK_SIZE - 1 < lo || base > hi) bases.push(base);
  }
  return bases;
})();
const lockDir = path.join(os.tmpdir(), "claims-survey-test-rtc-ports");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "taken": this call took the lock; "held": this process already held it; null: another live process holds it. */
function tryLock(base: number): "taken" | "held" | null {
  mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, String(base));
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return "taken";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const holder = Number(readFileSync(file, "utf8").trim());
  if (holder === process.pid) return "held";
  if (Number.isInteger(holder) && holder > 0 && alive(holder)) return null;
  // Left by a process that is gone: take it over.
  writeFileSync(file, String(process.pid));
  return "taken";
}

/** Gives back a lock this process took but cannot use, so other test processes may try the block later. */
function unlock(base: number): void {
  const file = path.join(lockDir, String(base));
  try {
    if (Number(readFileSync(file, "utf8").trim()) === process.pid) unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/** Whether nothing on this machine (a product of an earlier run, say) has the block's first UDP port. */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "0.0.0.0", () => socket.close(() => resolve(true)));
  });
}

/** Whether a TCP listen on the port (the worker's ICE-TCP) would succeed now. */
function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });
}

const blockFree = async (base: number) => (await udpFree(base)) && (await tcpFree(base));

/** A block of RTC_BLOCK_SIZE ports no other live test process has reserved. */
export async function reserveRtcBase(): Promise<number> {
  const start = Math.floor(Math.random() * BASES.length);
  for (let i = 0; i < BASES.length; i++) {
    const base = BASES[(start + i) % BASES.length]!;
    const lock = tryLock(base);
    if (!lock) continue;
    if (await blockFree(base)) return base;
    // Busy (a product left by an earlier run, or a connection's local port): not ours to keep.
    if (lock === "taken") unlock(base);
  }
  throw new Error(`no free RTC port block among ${BASES.length} in ${lockDir}`);
}

/**
 * Waits until a block used by a product that has just stopped is free again
 * (a restart reuses the same ports, as a real restart does).
 */
export async function waitUntilRtcBaseFree(base: number): Promise<void> {
  while (!(await blockFree(base))) await new Promise((r) => setTimeout(r, 200));
}
