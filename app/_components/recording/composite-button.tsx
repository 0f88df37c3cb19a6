"use client";
// Renders the survey's composite (grid) video on the server after the survey,
// with progress; the per-track recordings stay the evidence.
import { useCallback, useEffect, useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";

type Status = Awaited<ReturnType<typeof trpc.composite.status.query>>;

export function CompositeButton({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => trpc.composite.status.query({ surveyId }).then(setStatus, (e: Error) => setError(e.message)), [surveyId]);
  useEffect(() => void refresh(), [refresh]);
  useEffect(() => {
    if (status?.state !== "running") return;
    const timer = setInterval(() => void refresh(), 1000);
    return () => clearInterval(timer);
  }, [status?.state, refresh]);
  const start = () => {
    setError(null);
    trpc.composite.start.mutate({ surveyId }).then(setStatus, (e: Error) => setError(e.message));
  };
  const running = status?.state === "running";
  return (
    <div data-testid="composite" data-state={status?.state ?? "loading"}>
      <button type="button" data-testid="composite-start" disabled={running || !status} onClick={start}>
        {status?.state === "done" ? t("rec.composite.again") : t("rec.composite.start")}
      </button>{" "}
      {running && (
        <span data-testid="composite-progress">
          {t("rec.composite.rendering")} <progress max={1} value={status.progress} /> {Math.round(status.progress * 100)}%
        </span>
      )}
      {status?.state === "done" && <span data-testid="composite-done">{t("rec.composite.done")} ({(status.sizeBytes / 1024 / 1024).toFixed(1)} MiB)</span>}
      {status?.state === "failed" && <span className="banner warn" data-testid="composite-failed">{t("rec.composite.failed")}: {status.error}</span>}
      {error && <span className="banner warn">{error}</span>}
    </div>
  );
}
