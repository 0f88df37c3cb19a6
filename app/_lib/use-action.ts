"use client";
// One user action at a time from a panel's buttons: busy while it runs (the
// buttons disable), the error it ended with as a message key the panel shows,
// and a refresh of the panel's data afterwards whatever the outcome, so the
// screen shows what the server now holds.
import { useState } from "react";
import type { MessageKey } from "../_i18n/messages";

export function useAction(toMessage: (err: unknown) => MessageKey, refresh: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const run = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(toMessage(err));
    } finally {
      setBusy(false);
      refresh();
    }
  };
  return { busy, error, run };
}
