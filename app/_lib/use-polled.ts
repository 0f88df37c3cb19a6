"use client";
// A tRPC query kept fresh by polling, as the app's other live panels do (the
// typed client of trpc-client.ts; the app has no react-query): the next call is
// scheduled only after the last one answered, so a slow server is never asked
// twice at once, and polling stops with the component or when `every` is null.
// `every` may also be chosen from each answer, for a panel that follows a job
// until it settles (null: stop) or follows it more slowly in some states.
import { useCallback, useEffect, useRef, useState } from "react";

/** The delay before the next call: a fixed one, none (null), or one chosen from the last answer. */
export type PollEvery<T> = number | null | ((data: T) => number | null);

export interface PollOptions {
  /**
   * The delay after a failed call (null: stop until `refresh`). By default twice
   * the delay: a fixed `every`'s, or what a chosen one gave for the last good
   * answer (none before the first).
   */
  retry?: number | null;
  /**
   * Values the answers depend on (the survey's id, a key the page changes): when any
   * of them changes, polling starts over as on `refresh`. Compared as React compares
   * an effect's dependencies, so give the same number of values on every render.
   */
  restartOn?: readonly unknown[];
}

/**
 * `load` is given the last good answer since polling (re)started, null at the
 * start (on mount, on `refresh`, when a fixed `every` or a `restartOn` value changed). A function `every`
 * is read when the next call is scheduled, so a new one each render does not
 * restart polling.
 */
export function usePolled<T>(
  load: (last: T | null) => Promise<T>,
  every: PollEvery<T>,
  options: PollOptions = {},
): { data: T | null; error: unknown; refresh: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef({ load, every, options });
  latest.current = { load, every, options };
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  const fixed = typeof every === "function" ? undefined : every;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last: { data: T } | null = null;
    const after = (answer: { data: T } | null): number | null => {
      if (fixed !== undefined) return fixed;
      const chosen = latest.current.every;
      return typeof chosen === "function" && answer ? chosen(answer.data) : null;
    };
    const run = () =>
      latest.current.load(last ? last.data : null).then(
        (d) => {
          if (stopped) return;
          last = { data: d };
          setData(d);
          setError(null);
          const next = after(last);
          if (next !== null) timer = setTimeout(run, next);
        },
        (err) => {
          if (stopped) return;
          setError(err);
          // No answer (network) is retried; the data shown stays the last good one.
          const { retry } = latest.current.options;
          const base = after(last);
          const next = retry !== undefined ? retry : base === null ? null : base * 2;
          if (next !== null) timer = setTimeout(run, next);
        },
      );
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // load and a chosen every are read through `latest`; restartOn's values are dependencies themselves.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fixed, tick, ...(options.restartOn ?? [])]);
  return { data, error, refresh };
}
