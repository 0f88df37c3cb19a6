"use client";
// The browser's typed tRPC client: types come from the server's AppRouter.
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "../../server/api/root";

/** What each procedure answers and takes, for props and state typed from the server. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;

let inviteToken: string | null = null;

/** Invitee pages identify themselves by their link's token on every call. */
export function useInviteToken(token: string | null) {
  inviteToken = token;
}

export const trpc = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: "/api/trpc",
      // The server refuses batches above TRPC_MAX_BATCH (server/http/app-server.ts).
      maxItems: 8,
      transformer: superjson,
      headers: () => (inviteToken ? { "x-invite-token": inviteToken } : {}),
    }),
  ],
});

/** The server's stable reason for a failed call, if it gave one. */
export function errorCode(err: unknown): string | null {
  const data = (err as { data?: { domainCode?: string | null; code?: string } })?.data;
  return data?.domainCode ?? data?.code ?? null;
}

/**
 * A refusal by one of the product's rules (a withdrawn link, a closed survey), not a fault of
 * the network or the server (a 500, "too many requests"), which may pass: only the first may
 * end a reconnecting call for good.
 */
export function ruleRefusal(err: unknown): string | null {
  return (err as { data?: { domainCode?: string | null } })?.data?.domainCode ?? null;
}

/**
 * Whether a failed call may succeed if asked again: no answer (the network), a server fault
 * or "too many requests" may pass; any other 4xx is the server's considered refusal.
 */
export function mayPass(err: unknown): boolean {
  const status = (err as { data?: { httpStatus?: number } })?.data?.httpStatus;
  return status === undefined || status >= 500 || status === 429;
}
