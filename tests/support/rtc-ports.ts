// RTC port blocks for product processes started by the tests. Two lanes of
// test files run at once, each starting products; a block picked at random
// could be one another product already holds (its mediasoup worker then dies
// with "address already in use"). A block is reserved with a lock file named
// after it that holds the reserving process's pid: no other test process takes
// it while that process lives, and a lock left by a dead process is taken over.
import dgram from "node:dgram";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const FIRST = 20000;
const BLOCKS = 400;
export const RTC_BLOCK_SIZE = 100;
const lockDir = path.join(os.tmpdir(), "claims-survey-test-rtc-ports");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tryLock(base: number): boolean {
  mkdirSync(lockDir, { recursive: true });
  const file = path.join(lockDir, String(base));
  try {
    writeFileSync(file, String(process.pid), { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const holder = Number(readFileSync(file, "utf8").trim());
  if (holder === process.pid) return true;
  if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
  // Left by a process that is gone: take it over.
  writeFileSync(file, String(process.pid));
  return true;
}

/** Whether nothing on this machine (a product of an earlier run, say) has the block's first UDP port. */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", () => resolve(false));
    socket.bind(port, "0.0.0.0", () => socket.close(() => resolve(true)));
  });
}

/** A block of RTC_BLOCK_SIZE ports no other live test process has reserved. */
export async function reserveRtcBase(): Promise<number> {
  const start = Math.floor(Math.random() * BLOCKS);
  for (let i = 0; i < BLOCKS; i++) {
    const base = FIRST + ((start + i) % BLOCKS) * RTC_BLOCK_SIZE;
    if (tryLock(base) && (await udpFree(base))) return base;
  }
  throw new Error(`no free RTC port block among ${BLOCKS} in ${lockDir}`);
}

/**
 * Waits until a block used by a product that has just stopped is free again
 * (a restart reuses the same ports, as a real restart does).
 */
export async function waitUntilRtcBaseFree(base: number): Promise<void> {
  while (!(await udpFree(base))) await new Promise((r) => setTimeout(r, 200));
}
