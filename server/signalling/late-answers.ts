// A signalling answer that takes seconds is a join the user watches stall
// (the client waits up to 45 s for a join step, then drops and joins again).
// When one happens the log should say which request it was, how long it took
// and whether this process's event loop was held up meanwhile (the answer
// waited for JavaScript) or not (it waited for the media worker, the
// database or the disk), so a slow field server can be told apart from a
// slow worker without reproducing it.
import { monitorEventLoopDelay, performance, type IntervalHistogram } from "node:perf_hooks";
import type { Logger } from "pino";

/** An answer slower than this is logged. A quiet server answers every join step in milliseconds. */
export const LATE_ANSWER_MS = 3_000;

let loopDelay: IntervalHistogram | null = null;

/** One histogram for the process, started by the first connection. */
function eventLoopDelay(): IntervalHistogram {
  if (!loopDelay) {
    loopDelay = monitorEventLoopDelay({ resolution: 20 });
    loopDelay.enable();
  }
  return loopDelay;
}

/** Starts timing one request; call the returned function once it is answered (or failed). */
export function timeAnswer(log: Logger, method: string): () => void {
  const histogram = eventLoopDelay();
  const started = performance.now();
  return () => {
    const ms = Math.round(performance.now() - started);
    if (ms < LATE_ANSWER_MS) return;
    // The histogram is shared: its figures cover at least this request's time, maybe more.
    log.warn(
      {
        method,
        ms,
        eventLoopDelayMaxMs: Math.round(histogram.max / 1e6),
        eventLoopDelayP99Ms: Math.round(histogram.percentile(99) / 1e6),
      },
      "signalling request answered late",
    );
    histogram.reset();
  };
}
