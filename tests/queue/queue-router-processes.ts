// The test's side of tests/queue/queue-router-process.ts: starts router
// processes on a database and calls their QueueService over IPC; kill() is a
// crash (SIGKILL), and every call then still open fails as a request does when
// its server dies.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import type { Provider } from "../../server/queue/atomic-assignment";
import type { QueueService } from "../../server/queue/queue-service";
import { QueueError, type QueueErrorCode } from "../../server/queue/queue-errors";
import type { RouterCall, RouterReply } from "./queue-router-process";
import type { DrivenClock } from "./queue-fixtures";

const script = path.join(import.meta.dirname, "queue-router-process.ts");

export class RouterProcessDied extends Error {}

/** The QueueService methods a router process serves. */
export const routerMethods = ["enter", "abandon", "setReady", "finishWork", "accept", "decline", "runDueTimers", "repairAnswered", "graceAfterStart", "createQueue", "upsertAgent"] as const;
export type RouterMethod = (typeof routerMethods)[number];
type Method = RouterMethod;
/** Results cross the process boundary as JSON, so only these are typed (they hold no dates). */
interface TypedResults {
  enter: { entryId: string };
  repairAnswered: number;
  createQueue: { id: string };
}

/** One QueueService in a router process, with the methods the load test calls. */
export type RemoteRouter = {
  [K in Method]: (...args: Parameters<QueueService[K]>) => Promise<K extends keyof TypedResults ? TypedResults[K] : unknown>;
};

class RouterProcess {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  readonly ready: Promise<void>;
  /** Calls sent and not yet answered: what a crash now cuts. */
  get inFlight() {
    return this.pending.size;
  }

  constructor(url: string, provider: Provider, instances: number, private readonly clock: DrivenClock) {
    this.child = fork(script, [url, provider, String(instances)], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.ready = new Promise((resolve, reject) => {
      this.pending.set(0, { resolve: () => resolve(), reject });
    });
    this.child.on("message", (r: RouterReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.outcome === "value") p.resolve(r.value);
      else if (r.outcome === "queueError") p.reject(new QueueError(r.queueError as QueueErrorCode, r.message));
      else p.reject(new Error(`router process: ${r.failure}`));
    });
    this.child.on("exit", (code, signal) => {
      for (const p of this.pending.values()) p.reject(new RouterProcessDied(`router process ended (${signal ?? code}) before answering`));
      this.pending.clear();
    });
  }

  call(instance: number, method: RouterCall["method"], args: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, instance, method, args, clockMs: this.clock.ms } satisfies RouterCall);
    });
  }

  router(instance: number): RemoteRouter {
    return Object.fromEntries(routerMethods.map((m) => [m, (...args: unknown[]) => this.call(instance, m, args)])) as RemoteRouter;
  }

  /** A crash: SIGKILL, then wait until the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGKILL");
    await gone;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    await gone;
  }
}

/**
 * The routers of one "product": on SQLite (the embedded default, one server
 * process) one process with two routers on its one connection; on PostgreSQL two
 * processes, as two servers on one database.
 */
export class RouterProcesses {
  private constructor(private readonly processes: RouterProcess[], readonly routers: RemoteRouter[]) {}

  static async start(url: string, provider: Provider, clock: DrivenClock): Promise<RouterProcesses> {
    const processes = provider === "sqlite" ? [new RouterProcess(url, provider, 2, clock)] : [new RouterProcess(url, provider, 1, clock), new RouterProcess(url, provider, 1, clock)];
    await Promise.all(processes.map((p) => p.ready));
    const routers = provider === "sqlite" ? [processes[0]!.router(0), processes[0]!.router(1)] : processes.map((p) => p.router(0));
    return new RouterProcesses(processes, routers);
  }

  get inFlight(): number {
    return this.processes.reduce((n, p) => n + p.inFlight, 0);
  }

  kill(): Promise<void[]> {
    return Promise.all(this.processes.map((p) => p.kill()));
  }

  stop(): Promise<void[]> {
    return Promise.all(this.processes.map((p) => p.stop()));
  }
}
