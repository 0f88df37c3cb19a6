"use client";
// How any failed background job (evidence build, composite video, upload owed
// to storage) looks on a page: the translated reason, the error id that finds
// the full error in the server log, when it is retried by itself, and a retry
// button where the person may retry. Never the server's raw error text.
import { useState } from "react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";

export interface JobFailureView {
  errorCode: string | null;
  errorId: string | null;
  attempts?: number;
  nextAttemptAt?: Date | string | null;
}

export function JobFailureNotice({ failure, onRetry, testId }: { failure: JobFailureView; onRetry?: () => Promise<unknown>; testId: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<MessageKey | null>(null);
  const code = failure.errorCode ?? "internal";
  return (
    <div className="banner warn" data-testid={testId} data-error-code={code} data-error-id={failure.errorId ?? ""}>
      <p data-testid={`${testId}-message`}>{t(`job.failure.${code}` as MessageKey)}</p>
      {failure.errorId && (
        <p>
          {t("job.errorId")}: <span className="mono" data-testid={`${testId}-id`}>{failure.errorId}</span>
        </p>
      )}
      {(failure.attempts || failure.nextAttemptAt) && (
        <p className="muted">
          {failure.attempts ? `${t("job.attempts")}: ${failure.attempts}` : ""}
          {failure.attempts && failure.nextAttemptAt ? " · " : ""}
          {failure.nextAttemptAt ? `${t("job.nextRetry")}: ${new Date(failure.nextAttemptAt).toLocaleString()}` : ""}
        </p>
      )}
      {onRetry && (
        <p>
          <button
            type="button"
            data-testid={`${testId}-retry`}
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setNote(null);
              onRetry().then(
                () => setNote("job.retryStarted"),
                () => setNote("job.retryFailed"),
              ).finally(() => setBusy(false));
            }}
          >
            {t("job.retry")}
          </button>{" "}
          {note && <span data-testid={`${testId}-note`}>{t(note)}</span>}
        </p>
      )}
    </div>
  );
}
