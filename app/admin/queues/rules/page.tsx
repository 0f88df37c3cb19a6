"use client";
// Admins edit each queue's routing rules. The server validates them with the
// schema the routing engine reads them with (server/queue/queue-rules.ts); a
// refused save marks each field in the admin's language and keeps what was typed.
// The server sends that schema's bounds, which word the "whole number from … to …"
// messages, so the page never carries a second copy of them.
import { useEffect, useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { RouterOutputs } from "../../../_lib/trpc-client";
import { useTRPC, type ApiError } from "../../../_lib/trpc-react";
import { useStaff } from "../../../_lib/use-staff";
import { useI18n } from "../../../_i18n/i18n-provider";
import type { MessageKey } from "../../../_i18n/messages";
import { StaffTopbar } from "../../../_components/staff-topbar";
import { AdminOnlyNotice } from "../../../_components/admin-only-notice";
import { queueTitle } from "../queue-figures-format";

type Queues = RouterOutputs["queueAdmin"]["queues"]["queues"];
type Rules = Queues[number]["rules"];
type Issue = NonNullable<NonNullable<ApiError["data"]>["issues"]>[number];

const numberFields = ["stickyDays", "stickyWaitSec", "designatedWaitSec", "overflowAfterSec", "maxWaitSec", "offerTimeoutSec", "wrapUpSec", "serviceLevelSec", "droppedGraceSec"] as const;
type NumberField = (typeof numberFields)[number];
const emptyMeansNone: ReadonlySet<NumberField> = new Set(["overflowAfterSec", "maxWaitSec"]);
type Field = NumberField | "overflowQueueId" | "strategy" | "vipFirst" | "matchSkills" | "waitingVideoUrl" | "waitingPhotoItems";

/** What the form holds: numbers as typed (so a half-typed value is not lost), the rest as the rules have them. */
interface Draft {
  matchSkills: Rules["matchSkills"];
  vipFirst: boolean;
  strategy: Rules["strategy"];
  overflowQueueId: string;
  numbers: Record<NumberField, string>;
  /** The waiting screen: a video path on this site (empty: the built-in guide), and item keys as typed. */
  waitingVideoUrl: string;
  waitingPhotoItems: string;
}

function draftOf(r: Rules): Draft {
  const numbers = Object.fromEntries(numberFields.map((f) => [f, r[f] === null ? "" : String(r[f])])) as Record<NumberField, string>;
  return {
    matchSkills: { ...r.matchSkills },
    vipFirst: r.vipFirst,
    strategy: r.strategy,
    overflowQueueId: r.overflowQueueId ?? "",
    numbers,
    waitingVideoUrl: r.waitingVideoUrl ?? "",
    waitingPhotoItems: r.waitingPhotoItems.join(", "),
  };
}

/**
 * Sent as typed: an empty optional field is "none", anything else a number the
 * server judges. On top of the rules as loaded, so a rule this page does not
 * show (added to the schema later) keeps its stored value instead of its default.
 */
function rulesOf(d: Draft, loaded: Rules): Rules {
  const numbers = Object.fromEntries(numberFields.map((f) => [f, d.numbers[f].trim() === "" ? null : Number(d.numbers[f])]));
  return {
    ...loaded,
    ...(numbers as unknown as Pick<Rules, NumberField>),
    matchSkills: d.matchSkills,
    vipFirst: d.vipFirst,
    strategy: d.strategy,
    overflowQueueId: d.overflowQueueId || null,
    waitingVideoUrl: d.waitingVideoUrl.trim() || null,
    waitingPhotoItems: d.waitingPhotoItems.split(",").map((k) => k.trim()).filter((k) => k !== ""),
  };
}

const labels: Record<NumberField, MessageKey> = {
  stickyDays: "rules.stickyDays",
  stickyWaitSec: "rules.stickyWaitSec",
  designatedWaitSec: "rules.designatedWaitSec",
  overflowAfterSec: "rules.overflowAfterSec",
  maxWaitSec: "rules.maxWaitSec",
  offerTimeoutSec: "rules.offerTimeoutSec",
  wrapUpSec: "rules.wrapUpSec",
  serviceLevelSec: "rules.serviceLevelSec",
  droppedGraceSec: "rules.droppedGraceSec",
};

type Status = { kind: "saved" } | { kind: "invalid" } | { kind: "failed" } | null;

export default function QueueRulesPage() {
  const me = useStaff();
  const { t, locale } = useI18n();
  const admin = me?.role === "admin";
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const queuesQuery = trpc.queueAdmin.queues.queryOptions(undefined, { enabled: admin });
  const read = useQuery(queuesQuery);
  const queues = read.data?.queues ?? null;
  const bounds = read.data?.bounds ?? {};
  const loadFailed = !queues && read.isError;
  const [queueId, setQueueId] = useState<string>("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Field, Issue>>>({});
  const [status, setStatus] = useState<Status>(null);

  // Once the list has come, the first queue's rules are in the form.
  useEffect(() => {
    const first = queues?.[0];
    if (!first || queueId !== "") return;
    setQueueId(first.id);
    setDraft(draftOf(first.rules));
  }, [queues, queueId]);

  const pick = (id: string) => {
    const q = queues?.find((x) => x.id === id);
    if (!q) return;
    setQueueId(id);
    setDraft(draftOf(q.rules));
    setErrors({});
    setStatus(null);
  };

  const change = (field: Field, next: (d: Draft) => Draft) => {
    setDraft((d) => (d ? next(d) : d));
    setErrors((e) => ({ ...e, [field]: undefined }));
    setStatus((s) => (s?.kind === "saved" ? null : s));
  };

  // Worded at render time, so switching language rewords the marks already shown.
  function messageFor(field: Field, issue: Issue): string {
    if (field === "overflowQueueId") return t("rules.error.overflowQueue");
    if (field === "overflowAfterSec" && issue.code === "custom") return t("rules.error.overflowAfter");
    if ((numberFields as readonly string[]).includes(field)) {
      const f = field as NumberField;
      const b = bounds[f];
      const text = b ? t("rules.error.number").replace("{min}", String(b.min)).replace("{max}", String(b.max)) : t("rules.error.invalid");
      return emptyMeansNone.has(f) ? `${text} ${t("rules.error.orEmpty")}` : text;
    }
    return t("rules.error.invalid");
  }

  const saveRules = useMutation(
    trpc.queueAdmin.saveRules.mutationOptions({
      onSuccess: (saved) => {
        // The list holds the rules as the server now has them (what a later save starts from).
        queryClient.setQueryData(queuesQuery.queryKey, (loaded) =>
          loaded && { ...loaded, queues: loaded.queues.map((q) => (q.id === saved.id ? { ...q, rules: saved.rules, updatedAt: saved.updatedAt } : q)) },
        );
        setDraft(draftOf(saved.rules));
        setErrors({});
        setStatus({ kind: "saved" });
      },
      onError: (err) => {
        const issues = err.data?.issues;
        if (!issues) {
          setStatus({ kind: "failed" });
          return;
        }
        const placed: Partial<Record<Field, Issue>> = {};
        for (const issue of issues) {
          const field = (issue.path[0] === "rules" ? issue.path[1] : undefined) as Field | undefined;
          placed[field ?? "matchSkills"] ??= issue;
        }
        setErrors(placed);
        setStatus({ kind: "invalid" });
        requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-testid="rules-form"] [aria-invalid="true"]')?.focus());
      },
    }),
  );
  const busy = saveRules.isPending;

  function save() {
    const loaded = queues?.find((q) => q.id === queueId);
    if (!draft || !loaded) return;
    setStatus(null);
    saveRules.mutate({ queueId, rules: rulesOf(draft, loaded.rules) });
  }

  if (me && !admin) {
    return <AdminOnlyNotice me={me} title="rules.title" reason="rules.forbidden" testId="rules-forbidden" />;
  }

  const numberInput = (f: NumberField) => {
    const issue = errors[f];
    return (
      <label key={f}>
        {t(labels[f])}
        <input
          type="number"
          inputMode="numeric"
          step={1}
          data-testid={`rules-${f}`}
          value={draft!.numbers[f]}
          placeholder={emptyMeansNone.has(f) ? t("rules.none") : undefined}
          aria-invalid={issue ? true : undefined}
          aria-describedby={issue ? `rules-${f}-error` : undefined}
          onChange={(e) => change(f, (d) => ({ ...d, numbers: { ...d.numbers, [f]: e.target.value } }))}
        />
        {issue && (
          <span className="error" id={`rules-${f}-error`} data-testid={`rules-${f}-error`}>
            {messageFor(f, issue)}
          </span>
        )}
      </label>
    );
  };

  const others = queues?.filter((q) => q.id !== queueId) ?? [];
  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <section className="card">
          <h2>{t("rules.title")}</h2>
          <p className="muted">{t("rules.explain")}</p>
          <Link href="/admin/queues/wallboard">{t("wallboard.nav")}</Link>
          {loadFailed && <p className="banner warn" role="alert">{t("rules.loadFailed")}</p>}
          {!queues && !loadFailed && <p className="muted">{t("common.loading")}</p>}
          {queues?.length === 0 && <p className="muted">{t("wallboard.noQueues")}</p>}
          {queues && queues.length > 0 && (
            <label style={{ maxWidth: "24rem" }}>
              {t("wallboard.queue")}
              <select data-testid="rules-queue" value={queueId} onChange={(e) => pick(e.target.value)}>
                {queues.map((q) => (
                  <option key={q.id} value={q.id}>
                    {queueTitle(q, locale)}
                  </option>
                ))}
              </select>
            </label>
          )}
        </section>
        {draft && (
          <form
            data-testid="rules-form"
            data-queue-id={queueId}
            onSubmit={(e) => {
              e.preventDefault();
              save();
            }}
          >
            <section className="card">
              <h3>{t("rules.skills")}</h3>
              <p className="muted">{t("rules.skillsExplain")}</p>
              {(["claimType", "language", "region"] as const).map((k) => (
                <label key={k} style={{ display: "flex", gap: "0.5rem", alignItems: "center" }}>
                  <input
                    type="checkbox"
                    style={{ width: "auto" }}
                    data-testid={`rules-skill-${k}`}
                    checked={draft.matchSkills[k]}
                    onChange={(e) => change("matchSkills", (d) => ({ ...d, matchSkills: { ...d.matchSkills, [k]: e.target.checked } }))}
                  />
                  {t(`rules.skill.${k}` as MessageKey)}
                </label>
              ))}
              <label style={{ display: "flex", gap: "0.5rem", alignItems: "center" }}>
                <input type="checkbox" style={{ width: "auto" }} data-testid="rules-vipFirst" checked={draft.vipFirst} onChange={(e) => change("vipFirst", (d) => ({ ...d, vipFirst: e.target.checked }))} />
                {t("rules.vipFirst")}
              </label>
              <label style={{ maxWidth: "24rem" }}>
                {t("rules.strategy")}
                <select data-testid="rules-strategy" value={draft.strategy} onChange={(e) => change("strategy", (d) => ({ ...d, strategy: e.target.value as Rules["strategy"] }))}>
                  <option value="longest-idle">{t("rules.strategy.longest-idle")}</option>
                  <option value="least-busy">{t("rules.strategy.least-busy")}</option>
                </select>
              </label>
            </section>
            <section className="card grid2">
              <div>
                <h3>{t("rules.returning")}</h3>
                {numberInput("stickyDays")}
                {numberInput("stickyWaitSec")}
                {numberInput("designatedWaitSec")}
              </div>
              <div>
                <h3>{t("rules.overflow")}</h3>
                <label>
                  {t("rules.overflowQueueId")}
                  <select
                    data-testid="rules-overflowQueueId"
                    value={draft.overflowQueueId}
                    aria-invalid={errors.overflowQueueId ? true : undefined}
                    onChange={(e) => change("overflowQueueId", (d) => ({ ...d, overflowQueueId: e.target.value }))}
                  >
                    <option value="">{t("rules.none")}</option>
                    {others.map((q) => (
                      <option key={q.id} value={q.id}>
                        {queueTitle(q, locale)}
                      </option>
                    ))}
                  </select>
                  {errors.overflowQueueId && (
                    <span className="error" data-testid="rules-overflowQueueId-error">
                      {messageFor("overflowQueueId", errors.overflowQueueId)}
                    </span>
                  )}
                </label>
                {numberInput("overflowAfterSec")}
                {numberInput("maxWaitSec")}
              </div>
              <div>
                <h3>{t("rules.timers")}</h3>
                {numberInput("offerTimeoutSec")}
                {numberInput("wrapUpSec")}
                {numberInput("serviceLevelSec")}
                {numberInput("droppedGraceSec")}
              </div>
            </section>
            <section className="card">
              <h3>{t("rules.waiting")}</h3>
              {(["waitingVideoUrl", "waitingPhotoItems"] as const).map((f) => (
                <label key={f}>
                  {t(`rules.${f}` as MessageKey)}
                  <input
                    type="text"
                    data-testid={`rules-${f}`}
                    value={draft[f]}
                    aria-invalid={errors[f] ? true : undefined}
                    onChange={(e) => change(f, (d) => ({ ...d, [f]: e.target.value }))}
                  />
                  {errors[f] && (
                    <span className="error" data-testid={`rules-${f}-error`}>
                      {messageFor(f, errors[f])}
                    </span>
                  )}
                </label>
              ))}
            </section>
            <div className="card" style={{ position: "sticky", bottom: 0 }}>
              {status?.kind === "invalid" && (
                <p className="banner warn" role="alert" data-testid="rules-error">
                  {t("rules.invalid")}
                  {errors.matchSkills && ` ${messageFor("matchSkills", errors.matchSkills)}`}
                </p>
              )}
              {status?.kind === "failed" && (
                <p className="banner warn" role="alert" data-testid="rules-error">
                  {t("common.error")}
                </p>
              )}
              <div style={{ display: "flex", gap: "0.75rem", alignItems: "center", flexWrap: "wrap" }}>
                <button type="submit" className="primary" data-testid="rules-save" disabled={busy}>
                  {busy ? t("checklists.saving") : t("checklists.save")}
                </button>
                {status?.kind === "saved" && (
                  <span className="banner ok" role="status" data-testid="rules-saved">
                    {t("rules.saved")}
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
