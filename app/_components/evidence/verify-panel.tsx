"use client";
// Runs the offline verifier on the server for one package and shows each
// check's outcome and each failure (file, check, expected and actual values),
// and, as its own result, the recording completeness it recomputed.
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import type { RouterOutputs } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import { CompletenessView } from "./completeness-view";
import type { MessageKey } from "../../_i18n/messages";
import { fill } from "../../_i18n/fill";

type Result = RouterOutputs["audit"]["verify"];

export function VerifyPanel({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  // The last verdict stays shown while the package is verified again, and after a run that failed.
  const [result, setResult] = useState<Result | null>(null);
  const verify = useMutation(trpc.audit.verify.mutationOptions({ onSuccess: (verdict) => setResult(verdict) }));
  const busy = verify.isPending;
  const error = verify.error?.message ?? null;
  return (
    <section className="card" data-testid="verify-panel">
      <button
        type="button"
        className="primary"
        data-testid="verify-button"
        disabled={busy}
        onClick={() => verify.mutate({ surveyId })}
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
          <TrustedTimeLine trustedTime={result.trustedTime} />
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

/** Says plainly whether the package's times are the server's own or carry RFC 3161 timestamps (proven only offline, with --tsa-trust). */
function TrustedTimeLine({ trustedTime }: { trustedTime: Result["trustedTime"] }) {
  const { t } = useI18n();
  if (!trustedTime) return null;
  const stamped = trustedTime.tokens.filter((k) => k.genTime && k.status !== "invalid");
  if (trustedTime.serverTimeOnly || stamped.length === 0) {
    return (
      <p className="banner warn" data-testid="verify-trusted-time" data-state="server-time">
        {t("audit.trustedTime.serverOnly")}
      </p>
    );
  }
  const latest = stamped.map((k) => k.genTime!).sort().at(-1)!;
  return (
    <p className="banner" data-testid="verify-trusted-time" data-state="stamped">
      {fill(t("audit.trustedTime.claimed"), { tsa: stamped[0]!.tsa ?? "?", time: latest.replace("T", " ").replace(".000Z", " UTC") })}
    </p>
  );
}
