"use client";
// The logged-in staff member, or a redirect to the login page.
import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { trpc } from "./trpc-client";

export type Staff = Awaited<ReturnType<typeof trpc.auth.me.query>>;

export function useStaff(): Staff | null {
  const router = useRouter();
  const [me, setMe] = useState<Staff | null>(null);
  useEffect(() => {
    trpc.auth.me.query().then(setMe, () => router.replace(`/login?next=${encodeURIComponent(location.pathname)}`));
  }, [router]);
  return me;
}
