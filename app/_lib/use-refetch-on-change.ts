"use client";
// A query read again when something outside the server's answer says it changed (a verdict seen
// in the call, a survey closed): the mount's own read is the query's, so only a later change asks.
import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

/** Invalidates `queryKey` each time `value` changes after mount (compared with Object.is, as React compares dependencies). */
export function useRefetchOnChange(queryKey: QueryKey, value: unknown): void {
  const queryClient = useQueryClient();
  const seen = useRef(value);
  useEffect(() => {
    if (Object.is(seen.current, value)) return;
    seen.current = value;
    void queryClient.invalidateQueries({ queryKey });
    // The key is read when the value changes; a new key is read by its query itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
}
