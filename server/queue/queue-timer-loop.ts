// Runs the queue's persistent timers in a live server: looks for due timer rows
// every POLL_MS and fires them (server/queue/queue-timers.ts). The rows, not this
// loop, hold the timers, so a restart or a second server loses none; at start the
// answers a crash left half-done are finished first, and waiting pages get a full
// grace period to come back before any is dropped (QueueService.graceAfterStart).
import type { Logger } from "pino";
import type { QueueService } from "./queue-service";

const POLL_MS = 1000;

export function startQueueTimers(queue: QueueService, log: Logger): () => void {
  let running = false;
  let stopped = false;
  let graceGiven = false;
  const tick = async () => {
    if (running || stopped || !graceGiven) return;
    running = true;
    try {
      await queue.runDueTimers();
    } catch (err) {
      log.error({ err }, "queue timers failed; retrying on the next tick");
    } finally {
      running = false;
    }
  };
  void queue.repairAnswered().then(
    (n) => n > 0 && log.info({ entries: n }, "finished queue answers interrupted by the last stop"),
    (err) => log.error({ err }, "repairing interrupted queue answers failed"),
  );
  void queue
    .graceAfterStart()
    .catch((err) => log.error({ err }, "extending the waiting pages' grace after the start failed"))
    .finally(() => {
      graceGiven = true;
    });
  const timer = setInterval(() => void tick(), POLL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
