"use client";
// The auditor's archive search: by claim number, policy number, plate, date
// range and agent. Every search is logged on the server.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { RouterInputs } from "../_lib/trpc-client";
import { useTRPC } from "../_lib/trpc-react";
import { useStaff } from "../_lib/use-staff";
import { useI18n } from "../_i18n/i18n-provider";
import type { MessageKey } from "../_i18n/messages";
import { StaffTopbar } from "../_components/staff-topbar";

type Filters = RouterInputs["audit"]["search"];

const FIELDS = [
  ["claimNumber", "audit.claimNumber", "text"],
  ["policyNumber", "audit.policyNumber", "text"],
  ["plate", "audit.plate", "text"],
  ["agent", "audit.agent", "text"],
  ["from", "audit.from", "date"],
  ["to", "audit.to", "date"],
] as const;

export default function AuditSearchPage() {
  const me = useStaff();
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<Filters>({});
  // The filters last searched: all surveys once the staff member is known, then each submitted search.
  const [searched, setSearched] = useState<Filters>({});
  // The rows shown stay the last search's until the next one answers.
  const results = useQuery(trpc.audit.search.queryOptions(searched, { enabled: Boolean(me), placeholderData: keepPreviousData }));
  const rows = results.data ?? null;
  // Shown until the search is asked again.
  const error = results.isError && !results.isFetching ? t("common.error") : null;
  const search = (f: Filters) => {
    setSearched(f);
    // Every search is asked of the server (and logged there), the same filters again too.
    void queryClient.invalidateQueries({ queryKey: trpc.audit.search.queryKey(f), exact: true });
  };
  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <section className="card">
          <h2>{t("audit.title")}</h2>
          <form
            data-testid="audit-search"
            onSubmit={(e) => {
              e.preventDefault();
              search(filters);
            }}
            style={{ display: "grid", gridTemplateColumns: "repeat(auto-fit, minmax(12rem, 1fr))", gap: "0 1rem" }}
          >
            {FIELDS.map(([name, label, type]) => (
              <label key={name}>
                {t(label)}
                <input
                  type={type}
                  name={name}
                  data-testid={`audit-${name}`}
                  value={filters[name] ?? ""}
                  onChange={(e) => setFilters({ ...filters, [name]: e.target.value || undefined })}
                />
              </label>
            ))}
            <div>
              <button type="submit" className="primary" data-testid="audit-search-submit">
                {t("audit.search")}
              </button>
            </div>
          </form>
          {error && <p className="banner warn">{error}</p>}
        </section>
        <section className="card">
          <h3>{t("audit.results")}</h3>
          {rows?.length === 0 && <p>{t("audit.noResults")}</p>}
          {rows && rows.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>{t("audit.claimNumber")}</th>
                  <th>{t("audit.policyNumber")}</th>
                  <th>{t("audit.plate")}</th>
                  <th>{t("audit.agent")}</th>
                  <th>{t("audit.created")}</th>
                  <th>{t("audit.package")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-testid="audit-result" data-survey-id={r.id}>
                    <td>
                      <Link href={`/audit/${r.id}`}>{r.claim.claimNumber}</Link>
                    </td>
                    <td>{r.claim.policyNumber}</td>
                    <td>{r.claim.plate}</td>
                    <td>{r.agent?.name ?? "—"}</td>
                    <td>{new Date(r.createdAt).toLocaleString()}</td>
                    <td>
                      {t(`evidence.status.${r.evidence?.status ?? "none"}` as MessageKey)}
                      {r.evidence?.legalHold ? ` · ${t("audit.holdOn")}` : ""}
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
