"use client";
// Admins edit the capture checklist of each claim type. Edits stay in the page
// until saved; a rejected save marks the fields and keeps everything typed.
import { useEffect, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { RouterInputs } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useStaff } from "../../_lib/use-staff";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { StaffTopbar } from "../../_components/staff-topbar";
import { AdminOnlyNotice } from "../../_components/admin-only-notice";
import { ChecklistItemEditor, type ChecklistItem } from "./checklist-item-editor";
import { listMessage, placeIssues, type FieldIssues, type ItemField, type SaveIssue } from "./save-issues";

type ClaimType = RouterInputs["checklists"]["get"]["claimType"];

// Typed against the server's enum both ways: a claim type added there fails the type check here.
const claimTypeNames: Record<ClaimType, MessageKey> = {
  motor_collision: "claimType.motor_collision",
  motor_theft: "claimType.motor_theft",
  motor_glass: "claimType.motor_glass",
  motor_other: "claimType.motor_other",
  property: "claimType.property",
};
const claimTypes = Object.keys(claimTypeNames) as ClaimType[];

/** A row keeps its identity while its key is edited or it moves, so React and its errors follow it. */
interface Row {
  id: number;
  item: ChecklistItem;
  errors: FieldIssues;
}

type Status = { kind: "saved" } | { kind: "reset" } | { kind: "invalid"; general: SaveIssue[] } | { kind: "failed"; message: string } | null;

export default function ChecklistsAdminPage() {
  const me = useStaff();
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [claimType, setClaimType] = useState<ClaimType>("motor_collision");
  const checklist = useQuery(trpc.checklists.get.queryOptions({ claimType }, { enabled: me?.role === "admin" }));
  /** The claim type whose checklist the rows hold. */
  const [rowsOf, setRowsOf] = useState<ClaimType | null>(null);
  const [rows, setRows] = useState<Row[]>([]);
  const [saved, setSaved] = useState<string>("");
  const [status, setStatus] = useState<Status>(null);
  const nextId = useRef(0);

  const toRows = (items: ChecklistItem[]) => items.map((item) => ({ id: nextId.current++, item, errors: {} }));
  const snapshot = (items: RouterInputs["checklists"]["save"]["items"]) => JSON.stringify(items);
  const loaded = rowsOf === claimType ? (checklist.data ?? null) : null;
  const loadFailed = loaded === null && checklist.isError;
  const dirty = loaded !== null && snapshot(rows.map((r) => r.item)) !== saved;

  // The rows are made once per claim type chosen, from the server's answer of the moment (not
  // one kept from an earlier visit, which a save since may have changed); a later answer for
  // the same claim type (after a save) leaves what is being edited alone.
  useEffect(() => {
    if (rowsOf === claimType || checklist.status !== "success" || checklist.isFetching) return;
    setRows(toRows(checklist.data.items));
    setSaved(snapshot(checklist.data.items));
    setRowsOf(claimType);
    // toRows and snapshot do the same on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rowsOf, claimType, checklist.status, checklist.isFetching, checklist.data]);

  const edit = (id: number, change: (r: Row) => Row) => {
    setRows((rs) => rs.map((r) => (r.id === id ? change(r) : r)));
    setStatus((s) => (s?.kind === "saved" ? null : s));
  };

  const move = (index: number, by: -1 | 1) =>
    setRows((rs) => {
      const out = [...rs];
      [out[index], out[index + by]] = [out[index + by]!, out[index]!];
      return out;
    });

  const add = () => {
    const taken = new Set(rows.map((r) => r.item.key));
    let n = rows.length + 1;
    while (taken.has(`item_${n}`)) n++;
    const blank: ChecklistItem = { key: `item_${n}`, label: { "zh-CN": "", en: "" }, instruction: { "zh-CN": "", en: "" }, overlay: null, required: true, multiple: false };
    setRows((rs) => [...rs, ...toRows([blank])]);
  };

  const saveChecklist = useMutation(
    trpc.checklists.save.mutationOptions({
      onSuccess: (_, sent) => {
        setSaved(snapshot(sent.items));
        setRows((rs) => rs.map((r) => ({ ...r, errors: {} })));
        setStatus({ kind: "saved" });
        void queryClient.invalidateQueries({ queryKey: trpc.checklists.get.queryKey({ claimType: sent.claimType }) });
      },
      onError: (err) => {
        const issues = err.data?.issues;
        if (!issues) {
          setStatus({ kind: "failed", message: t("common.error") });
          return;
        }
        // Issues name rows by position in what was sent; `rows` still has that order.
        const placed = placeIssues(issues);
        setRows((rs) => rs.map((r, i) => ({ ...r, errors: placed.byRow.get(i) ?? {} })));
        setStatus({ kind: "invalid", general: placed.general });
        // The save button sits below the list: bring the first marked field into view.
        requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid="checklist-editor"] [aria-invalid="true"]')?.focus());
      },
    }),
  );
  const busy = saveChecklist.isPending;

  function save() {
    setStatus(null);
    saveChecklist.mutate({ claimType, items: rows.map((r) => r.item) });
  }

  const pickClaimType = (next: ClaimType) => {
    if (dirty && !window.confirm(t("checklists.discardConfirm"))) return;
    setClaimType(next);
    setStatus(null);
  };

  if (me && me.role !== "admin") {
    return <AdminOnlyNotice me={me} title="checklists.title" reason="checklists.forbidden" testId="checklist-forbidden" />;
  }

  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <section className="card">
          <h2>{t("checklists.title")}</h2>
          <p className="muted">{t("checklists.explain")}</p>
          <label style={{ maxWidth: "24rem" }}>
            {t("claim.claimType")}
            <select data-testid="checklist-claim-type" value={claimType} onChange={(e) => pickClaimType(e.target.value as ClaimType)}>
              {claimTypes.map((c) => (
                <option key={c} value={c}>
                  {t(claimTypeNames[c])}
                </option>
              ))}
            </select>
          </label>
        </section>
        {loadFailed && <p className="banner warn" role="alert">{t("checklists.loadFailed")} {t("common.error")}</p>}
        {!loaded && !loadFailed && <p className="muted">{t("common.loading")}</p>}
        {loaded && (
          <form
            data-testid="checklist-editor"
            data-claim-type={loaded.claimType}
            onSubmit={(e) => {
              e.preventDefault();
              save();
            }}
          >
            <ol style={{ listStyle: "none", padding: 0 }}>
              {rows.map((r, i) => (
                <ChecklistItemEditor
                  key={r.id}
                  item={r.item}
                  position={i}
                  count={rows.length}
                  overlays={loaded.overlays}
                  errors={r.errors}
                  onChange={(item, field) => edit(r.id, (row) => ({ ...row, item, errors: { ...row.errors, [field]: undefined } }))}
                  onMove={(by) => move(i, by)}
                  onRemove={() => setRows((rs) => rs.filter((x) => x.id !== r.id))}
                />
              ))}
            </ol>
            <div className="card" style={{ position: "sticky", bottom: 0 }}>
              {status?.kind === "invalid" && (
                <div className="banner warn" role="alert" data-testid="checklist-error">
                  <p>{t("checklists.invalid")}</p>
                  {status.general.length > 0 && (
                    <ul>
                      {status.general.map((issue, i) => (
                        <li key={i}>{listMessage(issue, t)}</li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
              {status?.kind === "failed" && (
                <p className="banner warn" role="alert" data-testid="checklist-error">
                  {status.message}
                </p>
              )}
              <div style={{ display: "flex", gap: "0.75rem", alignItems: "center", flexWrap: "wrap" }}>
                <button type="button" data-testid="checklist-add" onClick={add}>
                  {t("checklists.add")}
                </button>
                <button
                  type="button"
                  data-testid="checklist-reset"
                  onClick={() => {
                    setRows(toRows(loaded.defaults));
                    setStatus({ kind: "reset" });
                  }}
                >
                  {t("checklists.reset")}
                </button>
                <button type="submit" className="primary" data-testid="checklist-save" disabled={busy}>
                  {busy ? t("checklists.saving") : t("checklists.save")}
                </button>
                {dirty && status?.kind !== "reset" && <span className="muted" data-testid="checklist-dirty">{t("checklists.unsaved")}</span>}
                {status?.kind === "reset" && <span className="muted" data-testid="checklist-reset-done">{t("checklists.resetDone")}</span>}
                {status?.kind === "saved" && (
                  <span className="banner ok" role="status" data-testid="checklist-saved">
                    {t("checklists.saved")}
                  </span>
                )}
              </div>
            </div>
          </form>
        )}
      </main>
    </>
  );
}
