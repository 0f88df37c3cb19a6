"use client";
// The logged-in staff member, or a redirect to the login page.
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import type { RouterOutputs } from "./trpc-client";
import { useTRPC } from "./trpc-react";

export type Staff = RouterOutputs["auth"]["me"];

export function useStaff(): Staff | null {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.auth.me.queryOptions());
  useEffect(() => {
    if (me.isError) router.replace(`/login?next=${encodeURIComponent(location.pathname)}`);
  }, [me.isError, router]);
  return me.data ?? null;
}
