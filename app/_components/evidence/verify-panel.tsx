"use client";
// Runs the offline verifier on the server for one package and shows each
// check's outcome and each failure (file, check, expected and actual values),
// and, as its own result, the recording completeness it recomputed.
import { useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import { CompletenessView } from "./completeness-view";
import type { MessageKey } from "../../_i18n/messages";
import { fill } from "../../_i18n/fill";

type Result = Awaited<ReturnType<typeof trpc.audit.verify.mutate>>;

export function VerifyPanel({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="card" data-testid="verify-panel">
      <button
        type="button"
        className="primary"
        data-testid="verify-button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(null);
          trpc.audit.verify
            .mutate({ surveyId })
            .then(setResult, (e: Error) => setError(e.message))
            .finally(() => setBusy(false));
        }}
      >
        {busy ? t("audit.verifying") : t("audit.verify")}
      </button>
      {error && <p className="banner warn">{error}</p>}
      {result && (
        <>
          <p className={`banner ${result.ok ? "ok" : "warn"}`} data-testid="verify-result" data-ok={String(result.ok)}>
            {result.ok ? t("audit.verifyOk") : t("audit.verifyFailed")} ({fill(t("audit.filesChecked"), { n: result.filesChecked })})
          </p>
          {/* Completeness beside, not inside, the verdict: recomputed from the verified files. */}
          <div data-testid="verify-completeness">
            <CompletenessView report={result.completeness} />
          </div>
          <table>
            <thead>
              <tr>
                <th>{t("audit.check")}</th>
                <th>{t("audit.outcome")}</th>
              </tr>
            </thead>
            <tbody>
              {result.checks.map((c) => (
                <tr key={c.check} data-testid="verify-check" data-check={c.check} data-outcome={c.outcome}>
                  <td>{t(`audit.checkName.${c.check}` as MessageKey)}</td>
                  <td className={c.outcome === "pass" ? "state-accepted" : c.outcome === "fail" ? "state-rejected" : "state-missing"}>
                    {t(c.outcome === "pass" ? "audit.outcome.pass" : c.outcome === "fail" ? "audit.outcome.fail" : "audit.outcome.skip")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.failures.length > 0 && (
            <>
              <h4>{t("audit.failures")}</h4>
              <ul data-testid="verify-failures">
                {result.failures.map((f, i) => (
                  // The verifier's own sentence stays in the CLI report; here the check is named in the reader's language.
                  <li key={i}>
                    <span className="mono">{f.path || t("audit.wholePackage")}</span> · {t(`audit.checkName.${f.check}` as MessageKey)}
                    {f.expected !== undefined && ` (${t("audit.expected")} ${f.expected}, ${t("audit.actual")} ${f.actual ?? "—"})`}
                  </li>
                ))}
              </ul>
            </>
          )}
          {!result.manifestMatchesRecord && result.failures.length === 0 && <p className="banner warn">{t("audit.manifestMismatch")}</p>}
        </>
      )}
    </section>
  );
}
