"use client";
// A tRPC query kept fresh by polling, as the app's other live panels do (the
// typed client of trpc-client.ts; the app has no react-query): the next call is
// scheduled only after the last one answered, so a slow server is never asked
// twice at once, and polling stops with the component or when `every` is null.
import { useCallback, useEffect, useRef, useState } from "react";

export function usePolled<T>(load: () => Promise<T>, every: number | null): { data: T | null; error: unknown; refresh: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(load);
  latest.current = load;
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () =>
      latest.current().then(
        (d) => {
          if (stopped) return;
          setData(d);
          setError(null);
          if (every !== null) timer = setTimeout(run, every);
        },
        (err) => {
          if (stopped) return;
          setError(err);
          // No answer (network) is retried; the data shown stays the last good one.
          if (every !== null) timer = setTimeout(run, every * 2);
        },
      );
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [every, tick]);
  return { data, error, refresh };
}
