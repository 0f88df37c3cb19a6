// A queue router in its own process, for the load test's restart
// (tests/queue/queue-load.test.ts): the product's QueueService on its own
// database client, driven over IPC by the test, so the test can SIGKILL it in
// the middle of a step (transactions open, offers being made, surveys half-built)
// and start a new one, as a crash and restart of the product would. The test
// drives the clock: each call carries the time to run it at.
//   fork("tests/queue/queue-router-process.ts", [databaseUrl, provider, instances], { execArgv: ["--import", "tsx"] })
import { createDb } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import type { Provider } from "../../server/queue/atomic-assignment";
import { QueueError } from "../../server/queue/queue-errors";
import type { QueueService } from "../../server/queue/queue-service";
import { DrivenClock, queueService } from "./queue-fixtures";
import type { RouterMethod } from "./queue-router-processes";

export interface RouterCall {
  id: number;
  /** Which of this process's routers (several share one client, as requests in one server do). */
  instance: number;
  method: RouterMethod;
  args: unknown[];
  clockMs: number;
}

// `outcome` says which: an undefined value does not survive the trip as JSON.
export type RouterReply = { id: number; outcome: "value"; value?: unknown } | { id: number; outcome: "queueError"; queueError: string; message: string } | { id: number; outcome: "failure"; failure: string };

const [url, provider, instances] = process.argv.slice(2) as [string, Provider, string];
const clock = new DrivenClock();
const db = createDb(databaseTarget(url));
const routers: QueueService[] = Array.from({ length: Number(instances) }, () => queueService(db, provider, clock));

process.on("message", (call: RouterCall) => {
  // One clock per process: every call of a step carries the same time.
  clock.ms = call.clockMs;
  const router = routers[call.instance]! as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  router[call.method]!.apply(routers[call.instance], call.args).then(
    (value) => process.send!({ id: call.id, outcome: "value", value } satisfies RouterReply),
    (err: unknown) =>
      process.send!(
        (err instanceof QueueError
          ? { id: call.id, outcome: "queueError", queueError: err.code, message: err.message }
          : { id: call.id, outcome: "failure", failure: err instanceof Error ? err.message : String(err) }) satisfies RouterReply,
      ),
  );
});
process.send!({ id: 0, outcome: "value", value: "ready" } satisfies RouterReply);
