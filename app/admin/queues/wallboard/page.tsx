"use client";
// The supervisor wallboard: who waits in each queue now, the agents by state,
// and today's service level, speed of answer, abandonment and handling time.
// Live without reload: polled as the queue pages are. "Today"
// is the admin's own calendar day (the browser's time zone). The export gives
// the very events today's figures are computed from.
import { useMemo } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { RouterOutputs } from "../../../_lib/trpc-client";
import { useTRPC } from "../../../_lib/trpc-react";
import { useStaff } from "../../../_lib/use-staff";
import { useI18n } from "../../../_i18n/i18n-provider";
import type { MessageKey } from "../../../_i18n/messages";
import { StaffTopbar } from "../../../_components/staff-topbar";
import { AdminOnlyNotice } from "../../../_components/admin-only-notice";
import { duration, percent, queueTitle } from "../queue-figures-format";

const POLL_MS = 2000;
const states = ["ready", "offered", "busy", "wrapup", "away"] as const;

type Board = RouterOutputs["queueAdmin"]["wallboard"];
type Row = Board["total"] & { key: string; title: string; serviceLevelSec: number | null };

function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export default function WallboardPage() {
  const me = useStaff();
  const { t, locale } = useI18n();
  const timeZone = useMemo(browserTimeZone, []);
  const admin = me?.role === "admin";
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const board = useQuery(trpc.queueAdmin.wallboard.queryOptions({ timeZone }, { enabled: admin, refetchInterval: POLL_MS }));
  const data = board.data;
  const receivedAt = new Date(board.dataUpdatedAt);
  // Stale from a failed call until a good one: shown from its first failed try (failureReason),
  // not only once the retries are spent (error), and kept while the next poll is under way.
  const failing = board.failureReason !== null || board.errorUpdatedAt > board.dataUpdatedAt;
  const clock = (d: Date) => d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

  const exportEvents = useMutation({
    // A read, asked once per click: the file is not kept in the cache.
    mutationFn: () => queryClient.fetchQuery(trpc.queueAdmin.exportEvents.queryOptions({ timeZone }, { gcTime: 0 })),
    onSuccess: (file) => {
      const url = URL.createObjectURL(new Blob([file.csv], { type: "text/csv;charset=utf-8" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = file.filename;
      a.click();
      URL.revokeObjectURL(url);
    },
  });
  const exporting = exportEvents.isPending;
  const exportFailed = exportEvents.isError;

  if (me && !admin) {
    return <AdminOnlyNotice me={me} title="wallboard.title" reason="wallboard.forbidden" testId="wallboard-forbidden" />;
  }

  const rows: Row[] = data
    ? [
        ...data.queues.map((q) => ({ ...q, key: q.queueId, title: queueTitle(q, locale), serviceLevelSec: q.serviceLevelSec })),
        { ...data.total, key: "all", title: t("wallboard.all"), serviceLevelSec: null },
      ]
    : [];
  const total = data?.total;

  return (
    <>
      <StaffTopbar me={me} />
      <main className="page" data-testid="wallboard" data-day={data?.day}>
        <section className="card">
          <h2>{t("wallboard.title")}</h2>
          <p className="muted">{t("wallboard.explain").replace("{zone}", timeZone)}</p>
          <div className="controls" style={{ alignItems: "center" }}>
            <button type="button" onClick={() => exportEvents.mutate()} disabled={exporting || !data} data-testid="wallboard-export">
              {exporting ? t("wallboard.exporting") : t("wallboard.export")}
            </button>
            <Link href="/admin/queues/rules" data-testid="nav-queue-rules">
              {t("rules.nav")}
            </Link>
            {data && (
              <span className="muted" data-testid="wallboard-updated">
                {t("wallboard.updated").replace("{time}", clock(receivedAt))}
              </span>
            )}
          </div>
          {exportFailed && <p className="error" role="alert">{t("wallboard.exportFailed")}</p>}
          {failing && data && (
            <p className="banner warn" role="alert" data-testid="wallboard-stale">
              {t("wallboard.stale").replace("{time}", clock(receivedAt))}
            </p>
          )}
          {failing && !data && <p className="banner warn" role="alert">{t("wallboard.loadFailed")}</p>}
          {!data && !failing && <p className="muted">{t("common.loading")}</p>}
        </section>

        {total && (
          <section className="card" data-testid="wallboard-total">
            <h3>{t("wallboard.now")}</h3>
            <div className="wallboard-tiles">
              <Tile label={t("wallboard.waiting")} value={String(total.waiting)} testId="wallboard-waiting" />
              <Tile label={t("wallboard.longestWait")} value={duration(total.longestWaitSec, t)} testId="wallboard-longest-wait" />
              <Tile label={t("wallboard.callbacksWaiting")} value={String(total.callbacksWaiting)} testId="wallboard-callbacks-waiting" />
              {states.map((s) => (
                <Tile key={s} label={t(`queue.agent.state.${s}` as MessageKey)} value={String(total.agents[s])} testId={`wallboard-agents-${s}`} />
              ))}
            </div>
            <h3>{t("wallboard.today").replace("{day}", data.day)}</h3>
            <div className="wallboard-tiles">
              <Tile label={t("wallboard.serviceLevel")} value={percent(total.today.serviceLevel, locale, t)} testId="wallboard-service-level" />
              <Tile label={t("wallboard.asa")} value={duration(total.today.averageSpeedOfAnswerSec, t)} testId="wallboard-asa" />
              <Tile label={t("wallboard.abandonment")} value={percent(total.today.abandonmentRate, locale, t)} testId="wallboard-abandonment" />
              <Tile label={t("wallboard.aht")} value={duration(total.today.averageHandlingSec, t)} testId="wallboard-aht" />
              <Tile label={t("wallboard.entered")} value={String(total.today.entered)} testId="wallboard-entered" />
              <Tile label={t("wallboard.answered")} value={String(total.today.answered)} testId="wallboard-answered" />
              <Tile label={t("wallboard.abandoned")} value={String(total.today.abandoned)} testId="wallboard-abandoned" />
              <Tile label={t("wallboard.callbacksRequested")} value={String(total.today.callbacksRequested)} testId="wallboard-callbacks-requested" />
              <Tile label={t("wallboard.transfers")} value={String(total.today.transfers)} testId="wallboard-transfers" />
            </div>
          </section>
        )}

        {data && (
          <section className="card" style={{ overflowX: "auto" }}>
            <h3>{t("wallboard.byQueue")}</h3>
            {data.queues.length === 0 && <p className="muted">{t("wallboard.noQueues")}</p>}
            <table data-testid="wallboard-queues">
              <thead>
                <tr>
                  <th>{t("wallboard.queue")}</th>
                  <th>{t("wallboard.waiting")}</th>
                  <th>{t("wallboard.longestWait")}</th>
                  <th>{t("wallboard.callbacksWaiting")}</th>
                  {states.map((s) => (
                    <th key={s}>{t(`queue.agent.state.${s}` as MessageKey)}</th>
                  ))}
                  <th>{t("wallboard.answered")}</th>
                  <th>{t("wallboard.abandoned")}</th>
                  <th>{t("wallboard.serviceLevelShort")}</th>
                  <th>{t("wallboard.asa")}</th>
                  <th>{t("wallboard.abandonment")}</th>
                  <th>{t("wallboard.aht")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.key} data-testid="wallboard-queue" data-queue={r.key}>
                    <th scope="row">{r.title}</th>
                    <td data-field="waiting">{r.waiting}</td>
                    <td data-field="longestWait">{duration(r.longestWaitSec, t)}</td>
                    <td data-field="callbacksWaiting">{r.callbacksWaiting}</td>
                    {states.map((s) => (
                      <td key={s} data-field={`agents-${s}`}>
                        {r.agents[s]}
                      </td>
                    ))}
                    <td data-field="answered">{r.today.answered}</td>
                    <td data-field="abandoned">
                      {r.today.abandoned}
                      {r.today.abandonedBeforeOffer > 0 && <span className="muted"> ({t("wallboard.abandonedBeforeOffer").replace("{n}", String(r.today.abandonedBeforeOffer))})</span>}
                    </td>
                    <td data-field="serviceLevel">
                      {percent(r.today.serviceLevel, locale, t)}
                      {r.serviceLevelSec !== null && <span className="muted"> ({t("wallboard.within").replace("{sec}", String(r.serviceLevelSec))})</span>}
                    </td>
                    <td data-field="asa">{duration(r.today.averageSpeedOfAnswerSec, t)}</td>
                    <td data-field="abandonment">{percent(r.today.abandonmentRate, locale, t)}</td>
                    <td data-field="aht">{duration(r.today.averageHandlingSec, t)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </main>
    </>
  );
}

function Tile({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <div className="wallboard-tile">
      <div className="muted">{label}</div>
      <strong data-testid={testId}>{value}</strong>
    </div>
  );
}
