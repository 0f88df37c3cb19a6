"use client";
import { useEffect } from "react";
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../_lib/trpc-react";
import { useStaff } from "../_lib/use-staff";
import { useI18n } from "../_i18n/i18n-provider";
import type { MessageKey } from "../_i18n/messages";
import { StaffTopbar } from "../_components/staff-topbar";
import { NewSurveyForm } from "./new-survey-form";
import { QueuePanel } from "../_components/queue/queue-panel";

export default function ConsolePage() {
  const me = useStaff();
  const { t } = useI18n();
  const trpc = useTRPC();
  // Auditors work in the archive; the console is for agents and admins.
  useEffect(() => {
    if (me?.role === "auditor") location.replace("/audit");
  }, [me]);
  // A new survey (NewSurveyForm) refreshes the list.
  const list = useQuery(trpc.surveys.list.queryOptions({ status: "active" }, { enabled: me !== null }));
  // A list that could not be read shows as empty.
  const rows = list.data ?? (list.isError ? [] : null);

  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        {me && (me.role === "agent" || me.role === "admin") && <QueuePanel />}
        {me && (me.role === "agent" || me.role === "admin") && <NewSurveyForm />}
        <section className="card">
          <h2>{t("console.activeSurveys")}</h2>
          {rows === null ? (
            <p className="muted">{t("common.loading")}</p>
          ) : rows.length === 0 ? (
            <p className="muted">{t("console.noSurveys")}</p>
          ) : (
            <table>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id}>
                    <td>{r.claim.claimNumber}</td>
                    <td>{r.claim.plate}</td>
                    <td>{r.claim.policyholderName}</td>
                    <td>{t(`survey.status.${r.status}` as MessageKey)}</td>
                    <td>
                      <Link href={`/console/surveys/${r.id}`}>{t("console.open")}</Link>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </>
  );
}
