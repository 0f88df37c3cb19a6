"use client";
// What "End survey" does in the agent's console. With the driver's statement
// signed as it stands, a plain confirmation. Without it, the agent is told why
// the statement matters and may ask for it; ending anyway needs a reason (the
// driver left, refused, could not sign, or another one said in words), which
// the server records on the timeline and the report prints. The server makes
// the same rule (server/domain/statement-end-rule.ts); this only explains it.
import { useEffect, useState } from "react";
import { errorCode, trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { endWithoutStatementReasons } from "../../../server/domain/statement-end-reasons";
import type { EndWithoutStatement } from "../../../server/domain/statement-end-reason";
import { statementErrorKey } from "./statement-errors";

type Reason = EndWithoutStatement["reason"];

export function EndSurveyDialog({ surveyId, onClose }: { surveyId: string; onClose: () => void }) {
  const { t, locale } = useI18n();
  const [state, setState] = useState<"checking" | "needs-statement">("checking");
  const [requested, setRequested] = useState(false);
  const [reason, setReason] = useState<Reason | null>(null);
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);

  const end = async (withoutStatement?: EndWithoutStatement) => {
    setBusy(true);
    setError(null);
    try {
      await trpc.surveys.end.mutate({ surveyId, ...(withoutStatement ? { withoutStatement } : {}) });
      onClose();
    } catch (err) {
      const code = errorCode(err);
      // Signed a moment ago, or its facts changed meanwhile: the server's rule decides, the dialog says why.
      setState("needs-statement");
      setError(code === "STATEMENT_REQUIRED" ? "error.STATEMENT_REQUIRED" : code === "BAD_REQUEST" ? "endDialog.noteNeeded" : statementErrorKey(code));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    let live = true;
    trpc.statement.status.query({ surveyId, locale }).then(
      (s) => {
        if (!live) return;
        setRequested(s.requested);
        if (s.signature?.current) {
          if (window.confirm(t("survey.endConfirm"))) void end();
          else onClose();
        } else setState("needs-statement");
      },
      () => live && setState("needs-statement"),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [surveyId]);

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
          onClick={() => {
            setBusy(true);
            trpc.statement.request.mutate({ surveyId }).then(
              () => onClose(),
              (err) => {
                setError(statementErrorKey(errorCode(err)));
                setBusy(false);
              },
            );
          }}
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
          onClick={() => reason && void end({ reason, ...(note.trim() ? { note: note.trim() } : {}) })}
        >
          {t("endDialog.endWithout")}
        </button>
      </fieldset>
    </section>
  );
}
