"use client";
// The SMS outbox: the messages of the surveys this staff member may read (the
// server filters), each secret link masked (the server masks; only the
// recipient ever gets it whole).
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../_lib/trpc-react";
import { useStaff } from "../_lib/use-staff";
import { useI18n } from "../_i18n/i18n-provider";
import { StaffTopbar } from "../_components/staff-topbar";

export default function OutboxPage() {
  const me = useStaff();
  const { t } = useI18n();
  const trpc = useTRPC();
  const list = useQuery(trpc.outbox.list.queryOptions(undefined, { enabled: Boolean(me) }));
  // A list that could not be read shows as empty.
  const rows = list.data ?? (list.isError ? [] : null);
  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <section className="card">
          <h2>{t("outbox.title")}</h2>
          <p className="muted">{t("outbox.explain")}</p>
          <p className="muted" data-testid="outbox-masked-note">{t("outbox.masked")}</p>
          {rows?.length === 0 && <p>{t("outbox.empty")}</p>}
          {rows && rows.length > 0 && (
            <table>
              <thead>
                <tr><th>{t("outbox.at")}</th><th>{t("outbox.to")}</th><th>{t("outbox.body")}</th></tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-testid="outbox-message">
                    <td>{new Date(r.createdAt).toLocaleString()}</td>
                    <td>{r.to}</td>
                    <td style={{ wordBreak: "break-all" }}>{r.body}</td>
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
