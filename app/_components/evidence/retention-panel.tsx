"use client";
// Retention of one package: the rule and its dates, and the auditor's two
// levers — a legal hold (with a reason) and the dispute-closed date. The server
// recomputes the destroy-after date on every change and logs who made it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { fill } from "../../_i18n/fill";
import type { RetentionBasis } from "../../../server/evidence/retention";

export interface RetentionView {
  retainUntil: string;
  explanation: string;
  /** The rule's terms, worded here in the reader's language. */
  basis: RetentionBasis;
  legalHold: boolean;
  destroyAfter: Date;
  disputeClosedAt: Date | null;
}

export function RetentionPanel({ surveyId, value, canChange }: { surveyId: string; value: RetentionView; canChange: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [dispute, setDispute] = useState(value.disputeClosedAt ? new Date(value.disputeClosedAt).toISOString().slice(0, 10) : "");
  // A change reopens the survey in the archive, which shows the dates the server now gives.
  const changed = () => void queryClient.invalidateQueries({ queryKey: trpc.audit.open.queryKey({ surveyId }) });
  const setHold = useMutation(
    trpc.audit.setLegalHold.mutationOptions({
      onSuccess: () => {
        setReason("");
        changed();
      },
    }),
  );
  const setDisputeClosed = useMutation(trpc.audit.setDisputeClosed.mutationOptions({ onSuccess: changed }));
  // The error shown is the last change's: each change clears the other's.
  const error = (setHold.error ?? setDisputeClosed.error)?.message ?? null;
  const holdChange = (legalHold: boolean) => {
    setDisputeClosed.reset();
    setHold.mutate({ surveyId, legalHold, reason });
  };
  const disputeChange = (disputeClosedOn: string | null) => {
    setHold.reset();
    setDisputeClosed.mutate({ surveyId, disputeClosedOn });
  };
  return (
    <section className="card" data-testid="retention-panel">
      <h3>{t("audit.retention")}</h3>
      <dl>
        <dt>{t("audit.retainUntil")}</dt>
        <dd data-testid="retain-until">{value.retainUntil}</dd>
        <dt>{t("evidence.destroyAfter")}</dt>
        <dd data-testid="destroy-after">{new Date(value.destroyAfter).toISOString().slice(0, 10)}</dd>
        <dt>{t("audit.rule")}</dt>
        <dd data-testid="retention-rule" data-rule={value.basis.rule}>
          {fill(t(`retention.rule.${value.basis.rule}` as MessageKey), { from: value.basis.from, years: value.basis.years, maxYears: value.basis.maxYears })}
        </dd>
        <dt>{t("audit.legalHold")}</dt>
        <dd data-testid="legal-hold">{value.legalHold ? t("audit.holdOn") : t("audit.holdOff")}</dd>
      </dl>
      {canChange && (
        <>
          <label>
            {t("audit.holdReason")}
            <input data-testid="hold-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button
            type="button"
            data-testid="hold-toggle"
            disabled={!reason.trim()}
            onClick={() => holdChange(!value.legalHold)}
          >
            {value.legalHold ? t("audit.clearHold") : t("audit.setHold")}
          </button>
          <label>
            {t("audit.disputeClosed")}
            <input type="date" data-testid="dispute-date" value={dispute} onChange={(e) => setDispute(e.target.value)} />
          </label>
          <div className="controls">
            <button type="button" disabled={!dispute} onClick={() => disputeChange(dispute)}>
              {t("audit.saveDispute")}
            </button>
            <button
              type="button"
              disabled={!value.disputeClosedAt}
              onClick={() => {
                setDispute("");
                disputeChange(null);
              }}
            >
              {t("audit.clearDispute")}
            </button>
          </div>
        </>
      )}
      {error && <p className="banner warn">{error}</p>}
    </section>
  );
}
