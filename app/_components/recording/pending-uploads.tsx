"use client";
// This survey's files the remote storage (STORAGE=s3) has not taken yet: they
// are whole in the server's spool and uploaded in the background with growing
// waits. Shown like any failed background job: reason, error id, next retry,
// and a button that retries now. Nothing shows when nothing is owed.
import { useCallback, useEffect, useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import { JobFailureNotice } from "../evidence/job-failure-notice";

type Owed = Awaited<ReturnType<typeof trpc.evidence.pendingUploads.query>>;

const POLL_MS = 10_000;

export function PendingUploads({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const [owed, setOwed] = useState<Owed | null>(null);
  const load = useCallback(() => trpc.evidence.pendingUploads.query({ surveyId }).then(setOwed, () => undefined), [surveyId]);
  useEffect(() => void load(), [load]);
  useEffect(() => {
    if (!owed?.files.length) return;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [owed?.files.length, load]);
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
        onRetry={() => trpc.evidence.retryUploads.mutate({ surveyId }).then(setOwed)}
      />
    </div>
  );
}
