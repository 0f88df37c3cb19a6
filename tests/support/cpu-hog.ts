// Busy processes that saturate the CPU while a test runs, as other work on a
// shared server would: started by the test and stopped (by pid) after it.
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";

export interface CpuHog {
  pids: number[];
  stop(): Promise<void>;
}

/** One busy-looping process per core (or `count`), at normal priority. */
export function startCpuHog(count = os.availableParallelism()): CpuHog {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    children.push(spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
  }
  return {
    pids: children.map((c) => c.pid!),
    stop: async () => {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once("exit", () => resolve());
              c.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
