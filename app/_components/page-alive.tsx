"use client";
// Tells the inline page-load recovery (app/_lib/page-load/script-recovery.ts) that the page's
// scripts arrived and React is running: from now on a failed script is not a reason to reload.
import { useEffect } from "react";
import { PAGE_ALIVE_EVENT } from "../_lib/page-load/script-recovery";

export function PageAlive() {
  useEffect(() => {
    document.dispatchEvent(new Event(PAGE_ALIVE_EVENT));
  }, []);
  return null;
}
