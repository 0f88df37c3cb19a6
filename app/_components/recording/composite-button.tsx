"use client";
// Renders the survey's composite (grid) video on the server after the survey,
// with progress; the per-track recordings stay the evidence. A failed render
// shows its translated reason and error id; the server retries it by itself a
// few times, and the button retries at once.
import { useCallback, useEffect, useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import { JobFailureNotice } from "../evidence/job-failure-notice";

type Status = Awaited<ReturnType<typeof trpc.composite.status.query>>;

export function CompositeButton({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<Status | null>(null);
  const [callFailed, setCallFailed] = useState(false);
  const refresh = useCallback(
    () =>
      trpc.composite.status.query({ surveyId }).then(
        (s) => (setStatus(s), setCallFailed(false)),
        () => setCallFailed(true),
      ),
    [surveyId],
  );
  useEffect(() => void refresh(), [refresh]);
  // Followed while it runs, and while a failed render waits for its automatic retry.
  const waiting = status?.state === "running" || (status?.state === "failed" && status.nextAttemptAt !== null);
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => void refresh(), status?.state === "running" ? 1000 : 5000);
    return () => clearInterval(timer);
  }, [waiting, status?.state, refresh]);
  const start = () => {
    setCallFailed(false);
    return trpc.composite.start.mutate({ surveyId }).then(setStatus, (e) => {
      setCallFailed(true);
      throw e;
    });
  };
  const running = status?.state === "running";
  return (
    <div data-testid="composite" data-state={status?.state ?? "loading"}>
      {status?.state !== "failed" && (
        <button type="button" data-testid="composite-start" disabled={running || !status} onClick={() => void start().catch(() => undefined)}>
          {status?.state === "done" ? t("rec.composite.again") : t("rec.composite.start")}
        </button>
      )}{" "}
      {running && (
        <span data-testid="composite-progress">
          {t("rec.composite.rendering")} <progress max={1} value={status.progress} /> {Math.round(status.progress * 100)}%
        </span>
      )}
      {status?.state === "done" && <span data-testid="composite-done">{t("rec.composite.done")} ({(status.sizeBytes / 1024 / 1024).toFixed(1)} MiB)</span>}
      {status?.state === "failed" && (
        <>
          <strong data-testid="composite-failed">{t("rec.composite.failed")}</strong>
          <JobFailureNotice testId="composite-failure" failure={status} onRetry={start} />
        </>
      )}
      {callFailed && <span className="banner warn">{t("job.retryFailed")}</span>}
    </div>
  );
}
