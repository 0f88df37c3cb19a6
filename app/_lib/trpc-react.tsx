"use client";
// React's access to the server's API: tRPC's react-query integration over the same typed
// client the call's modules use (trpc-client.ts), so an invitee's token rides on every
// call from either. Components read with useQuery(trpc.x.queryOptions(...)) and write with
// useMutation(trpc.x.mutationOptions(...)); loading, errors, retries and polling are
// react-query's.
import { QueryClientProvider, type QueryClient, type UseQueryOptions } from "@tanstack/react-query";
import type { TRPCClientErrorLike } from "@trpc/client";
import { createTRPCContext, type TRPCQueryKey } from "@trpc/tanstack-react-query";
import { useEffect, useState, type ReactNode } from "react";
import type { AppRouter } from "../../server/api/root";
import { makeQueryClient } from "./query-client";
import { trpc } from "./trpc-client";

const context = createTRPCContext<AppRouter>();

export const useTRPC = context.useTRPC;
/** The same typed client for a one-shot call whose state the component keeps itself (inside its own mutation). */
export const useTRPCClient = context.useTRPCClient;

/** A failed call as react-query holds it (errorCode and ruleRefusal in trpc-client.ts read it). */
export type ApiError = TRPCClientErrorLike<AppRouter>;

/**
 * A read that a panel shared by several screens is given by its page, which chooses the
 * procedure (the agent's or the invitee's): `trpc.x.queryOptions(input)`.
 */
export type ReadOptions<T> = UseQueryOptions<T, ApiError, T, TRPCQueryKey>;

export function TRPCQueryProvider({ children }: { children: ReactNode }) {
  // One cache per browser page (and per server render, which fetches nothing).
  const [queryClient] = useState(makeQueryClient);
  // Stable hook for diagnostics and the browser tests (as __surveyCall): a failed test reports
  // which reads of the page are still waiting for an answer, and since when.
  useEffect(() => {
    (window as unknown as { __queryClient?: QueryClient }).__queryClient = queryClient;
  }, [queryClient]);
  return (
    <QueryClientProvider client={queryClient}>
      <context.TRPCProvider trpcClient={trpc} queryClient={queryClient}>
        {children}
      </context.TRPCProvider>
    </QueryClientProvider>
  );
}
