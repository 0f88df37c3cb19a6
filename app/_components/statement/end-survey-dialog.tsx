"use client";
// What "End survey" does in the agent's console. With the driver's statement
// signed as it stands, a plain confirmation. Without it, the agent is told why
// the statement matters and may ask for it; ending anyway needs a reason (the
// driver left, refused, could not sign, or another one said in words), which
// the server records on the timeline and the report prints. The server makes
// the same rule (server/domain/statement-end-rule.ts); this only explains it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { errorCode } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { endWithoutStatementReasons } from "../../../server/domain/statement-end-reasons";
import type { EndWithoutStatement } from "../../../server/domain/statement-end-reason";
import { statementErrorKey } from "./statement-errors";

type Reason = EndWithoutStatement["reason"];

export function EndSurveyDialog({ surveyId, onClose }: { surveyId: string; onClose: () => void }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [state, setState] = useState<"checking" | "needs-statement">("checking");
  const [requested, setRequested] = useState(false);
  const [reason, setReason] = useState<Reason | null>(null);
  const [note, setNote] = useState("");

  const ending = useMutation(
    trpc.surveys.end.mutationOptions({
      onSuccess: () => onClose(),
      // Signed a moment ago, or its facts changed meanwhile: the server's rule decides, the dialog says why.
      onError: () => setState("needs-statement"),
    }),
  );
  const requesting = useMutation(
    trpc.statement.request.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.statement.status.queryKey({ surveyId }) });
        onClose();
      },
    }),
  );
  const end = (withoutStatement?: EndWithoutStatement) => {
    requesting.reset();
    ending.mutate({ surveyId, ...(withoutStatement ? { withoutStatement } : {}) });
  };
  // Asking for the statement succeeded: the buttons stay disabled while the dialog closes.
  const busy = ending.isPending || requesting.isPending || requesting.isSuccess;
  const endCode = ending.error ? errorCode(ending.error) : null;
  const error: MessageKey | null = requesting.error
    ? statementErrorKey(errorCode(requesting.error))
    : ending.error
      ? endCode === "STATEMENT_REQUIRED"
        ? "error.STATEMENT_REQUIRED"
        : endCode === "BAD_REQUEST"
          ? "endDialog.noteNeeded"
          : statementErrorKey(endCode)
      : null;

  // Where the statement stands, read fresh as the dialog opens (the statement panel's last
  // poll may be older): decided once, on the first answer after opening. No retries: without
  // an answer the dialog shows at once, and ending is the server's decision anyway.
  const status = useQuery({ ...trpc.statement.status.queryOptions({ surveyId, locale }), retry: false });
  const decided = useRef(false);
  useEffect(() => {
    if (decided.current || !status.isFetchedAfterMount) return;
    decided.current = true;
    const s = status.isError ? null : status.data;
    if (!s) return setState("needs-statement");
    setRequested(s.requested);
    if (s.signature?.current) {
      if (window.confirm(t("survey.endConfirm"))) end();
      else onClose();
    } else setState("needs-statement");
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status.isFetchedAfterMount]);

  if (state === "checking") return null;
  const noteNeeded = reason === "other" && note.trim().length < 2;
  return (
    <section className="card statement end-dialog" role="dialog" aria-modal="true" aria-labelledby="end-dialog-title" data-testid="end-survey-dialog">
      <h2 id="end-dialog-title">{t("endDialog.title")}</h2>
      <p data-testid="end-dialog-why">{t("endDialog.why")}</p>
      <div className="controls">
        <button
          type="button"
          className="primary"
          data-testid="end-dialog-request"
          disabled={busy || requested}
          onClick={() => requesting.mutate({ surveyId })}
        >
          {requested ? t("statement.waiting") : t("statement.request")}
        </button>
        <button type="button" data-testid="end-dialog-cancel" disabled={busy} onClick={onClose}>
          {t("endDialog.cancel")}
        </button>
      </div>
      <fieldset className="end-without">
        <legend>{t("endDialog.without")}</legend>
        {endWithoutStatementReasons.map((r) => (
          <label key={r} className="radio">
            <input type="radio" name="end-reason" value={r} data-testid="end-reason" data-reason={r} checked={reason === r} onChange={() => setReason(r)} />{" "}
            {t(`endDialog.reason.${r}` as MessageKey)}
          </label>
        ))}
        <label>
          {t("endDialog.note")}
          <textarea data-testid="end-note" maxLength={500} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="end-dialog-error">
            {t(error)}
          </p>
        )}
        <button
          type="button"
          className="danger"
          data-testid="end-without-statement"
          disabled={busy || !reason || noteNeeded}
          onClick={() => reason && end({ reason, ...(note.trim() ? { note: note.trim() } : {}) })}
        >
          {t("endDialog.endWithout")}
        </button>
      </fieldset>
    </section>
  );
}
