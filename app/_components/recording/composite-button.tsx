"use client";
// Renders the survey's composite (grid) video on the server after the survey,
// with progress; the per-track recordings stay the evidence. A failed render
// shows its translated reason and error id; the server retries it by itself a
// few times, and the button retries at once.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import { JobFailureNotice } from "../evidence/job-failure-notice";

export function CompositeButton({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const statusQuery = trpc.composite.status.queryOptions(
    { surveyId },
    {
      // Followed while it runs, and while a failed render waits for its automatic retry.
      refetchInterval: (q) => {
        const s = q.state.data;
        return s?.state === "running" ? 1000 : s?.state === "failed" && s.nextAttemptAt !== null ? 5000 : false;
      },
    },
  );
  const { data: status, isError: statusFailed, errorUpdatedAt, dataUpdatedAt } = useQuery(statusQuery);
  // A start answers with the render's new status.
  const start = useMutation(trpc.composite.start.mutationOptions({ onSuccess: (s) => queryClient.setQueryData(statusQuery.queryKey, s) }));
  // A failed call (a look at the status, or a start) shows until the next start, or a status answer after it.
  const callFailed = (statusFailed && errorUpdatedAt > start.submittedAt) || (start.isError && start.submittedAt > dataUpdatedAt);
  const running = status?.state === "running";
  return (
    <div data-testid="composite" data-state={status?.state ?? "loading"}>
      {status?.state !== "failed" && (
        <button type="button" data-testid="composite-start" disabled={running || !status} onClick={() => start.mutate({ surveyId })}>
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
          <JobFailureNotice testId="composite-failure" failure={status} onRetry={() => start.mutateAsync({ surveyId })} />
        </>
      )}
      {callFailed && <span className="banner warn">{t("job.retryFailed")}</span>}
    </div>
  );
}
