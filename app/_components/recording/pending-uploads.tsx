"use client";
// This survey's files the remote storage (STORAGE=s3) has not taken yet: they
// are whole in the server's spool and uploaded in the background with growing
// waits. Shown like any failed background job: reason, error id, next retry,
// and a button that retries now. Nothing shows when nothing is owed.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import { JobFailureNotice } from "../evidence/job-failure-notice";

const POLL_MS = 10_000;

export function PendingUploads({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Followed while something is owed. A failed look is not shown: the last answer stays.
  const owedQuery = trpc.evidence.pendingUploads.queryOptions({ surveyId }, { refetchInterval: (q) => (q.state.data?.files.length ? POLL_MS : false) });
  const { data: owed } = useQuery(owedQuery);
  // The retry answers with what is still owed after it.
  const retry = useMutation(trpc.evidence.retryUploads.mutationOptions({ onSuccess: (now) => queryClient.setQueryData(owedQuery.queryKey, now) }));
  if (!owed?.files.length) return null;
  // The most retried file carries the latest failure.
  const worst = owed.files.reduce((a, f) => (f.attempts > a.attempts ? f : a));
  return (
    <div data-testid="pending-uploads" data-count={owed.files.length}>
      <h4>{t("rec.pendingUploads")}</h4>
      <ul>
        {owed.files.map((f) => (
          <li key={f.file} className="mono" data-testid="pending-upload">
            {f.file}
          </li>
        ))}
      </ul>
      <JobFailureNotice
        testId="upload-failure"
        failure={{ errorCode: worst.errorCode, errorId: worst.errorId || null, attempts: worst.attempts, nextAttemptAt: owed.nextAttemptAt }}
        onRetry={() => retry.mutateAsync({ surveyId })}
      />
    </div>
  );
}
