"use client";
import { useState } from "react";
import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { RouterOutputs } from "../_lib/trpc-client";
import { useTRPC } from "../_lib/trpc-react";
import { useI18n } from "../_i18n/i18n-provider";
import type { MessageKey } from "../_i18n/messages";
import { CopyLink } from "../_components/copy-link";

type Created = RouterOutputs["surveys"]["create"];
const claimTypes = ["motor_collision", "motor_theft", "motor_glass", "motor_other", "property"] as const;

export function NewSurveyForm() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // The last survey made stays shown while the next is made (or refused).
  const [created, setCreated] = useState<Created | null>(null);
  const create = useMutation(
    trpc.surveys.create.mutationOptions({
      onSuccess: (result) => {
        setCreated(result);
        // Every list of surveys (the console's active ones among them) now has one more.
        void queryClient.invalidateQueries(trpc.surveys.list.pathFilter());
      },
    }),
  );
  const busy = create.isPending;
  // zod names the top-level part that failed: the claim or the adjuster.
  const fieldName = (k: string) => (k === "claim" ? t("survey.claim") : k === "adjuster" ? t("claim.adjusterName") : t("console.otherField"));

  // The server names the fields; the page names them in the user's language.
  const fields = create.error?.data?.fieldErrors;
  const error = create.error ? (fields ? `${t("console.invalidFields")} ${Object.keys(fields).map(fieldName).join("、")}` : t("common.error")) : null;

  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? "").trim();
    create.mutate({
      locale,
      sendSms: true,
      claim: {
        policyNumber: s("policyNumber"),
        plate: s("plate"),
        policyholderName: s("policyholderName"),
        policyholderMobile: s("policyholderMobile"),
        policyholderIdNumber: s("policyholderIdNumber") || undefined,
        incidentAt: new Date(s("incidentAt")),
        incidentPlace: s("incidentPlace"),
        claimType: s("claimType") as (typeof claimTypes)[number],
        policyStart: s("policyStart") ? new Date(`${s("policyStart")}T00:00:00Z`) : undefined,
        policyEnd: s("policyEnd") ? new Date(`${s("policyEnd")}T00:00:00Z`) : undefined,
      },
      adjuster: s("adjusterName") ? { name: s("adjusterName"), mobile: s("adjusterMobile") || undefined } : undefined,
    });
  }

  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return (
    <section className="card">
      <h2>{t("console.newSurvey")}</h2>
      <form onSubmit={submit} data-testid="new-survey-form">
        <div className="grid2">
          <label>{t("claim.policyNumber")}<input name="policyNumber" required minLength={3} data-testid="claim-policy" /></label>
          <label>{t("claim.plate")}<input name="plate" required data-testid="claim-plate" /></label>
          <label>{t("claim.policyholderName")}<input name="policyholderName" required data-testid="claim-name" /></label>
          <label>{t("claim.policyholderMobile")}<input name="policyholderMobile" required inputMode="tel" placeholder="13800138000" data-testid="claim-mobile" /></label>
          <label>{t("claim.policyholderIdNumber")}<input name="policyholderIdNumber" minLength={18} maxLength={18} pattern="[0-9]{17}[0-9Xx]" autoComplete="off" data-testid="claim-id-number" /></label>
          <label>{t("claim.incidentAt")}<input name="incidentAt" type="datetime-local" required defaultValue={now} data-testid="claim-time" /></label>
          <label>{t("claim.incidentPlace")}<input name="incidentPlace" required data-testid="claim-place" /></label>
          <label>
            {t("claim.claimType")}
            <select name="claimType" defaultValue="motor_collision" data-testid="claim-type">
              {claimTypes.map((c) => (
                <option key={c} value={c}>{t(`claimType.${c}` as MessageKey)}</option>
              ))}
            </select>
          </label>
          <label>{t("claim.policyStart")}<input name="policyStart" type="date" data-testid="policy-start" /></label>
          <label>{t("claim.policyEnd")}<input name="policyEnd" type="date" data-testid="policy-end" /></label>
          <label>{t("claim.adjusterName")}<input name="adjusterName" data-testid="adjuster-name" /></label>
          <label>{t("claim.adjusterMobile")}<input name="adjusterMobile" inputMode="tel" data-testid="adjuster-mobile" /></label>
        </div>
        {error && <p className="error" role="alert">{error}</p>}
        <button className="primary" type="submit" disabled={busy} data-testid="create-survey">{t("claim.create")}</button>
      </form>
      {created && (
        <div className="card" data-testid="created-survey" data-survey-id={created.surveyId}>
          <p>
            {t("survey.claim")} <strong>{created.claimNumber}</strong> · <Link href={`/console/surveys/${created.surveyId}`} data-testid="open-created-survey">{t("console.open")}</Link>
          </p>
          <p className="muted">{t("survey.link.policyholder")}</p>
          <CopyLink url={created.links.policyholder.url} testId="invite-link-policyholder" />
          <p className="muted">{t("survey.link.adjuster")}</p>
          <CopyLink url={created.links.adjuster.url} testId="invite-link-adjuster" />
        </div>
      )}
    </section>
  );
}
