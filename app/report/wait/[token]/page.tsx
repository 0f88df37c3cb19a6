"use client";
// The driver's waiting screen: place in the queue and estimated wait, kept fresh
// by polling; safety first while they wait; leave or ask to be called back. When
// an agent accepts, the same token is the survey's link: the page goes straight
// into the call page (no second SMS). The token is in the address, so a phone
// that reloads or comes back finds its place again. "Call me back" hands the page
// the callback entry's token: the page then watches that entry and, when an
// agent answers the callback, goes into its call the same way (the link also
// comes by SMS, for a driver who closed the page).
import { use, useEffect } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorCode, type RouterOutputs } from "../../../_lib/trpc-client";
import { useTRPC, type ApiError } from "../../../_lib/trpc-react";
import { useI18n } from "../../../_i18n/i18n-provider";
import { fill } from "../../../_i18n/fill";
import { LanguageSwitch } from "../../../_components/language-switch";
import { WaitingGuide } from "./waiting-guide";

const POLL_MS = 2000;
type Status = RouterOutputs["queue"]["status"];
const isClosed = (s: Status | undefined) => s?.status === "answered" || s?.status === "abandoned";
/** A link the server never knew (nothing shown from it yet): asking again would only flash the loading line. */
const isUnknown = (s: Status | undefined, error: ApiError | null) => s === undefined && errorCode(error) === "NOT_FOUND";

export default function WaitingPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = use(params);
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const statusQuery = trpc.queue.status.queryOptions(
    { entryToken: token },
    {
      // Answered or ended, the entry stays so: polling stops for good (as for a link the server does not know).
      refetchInterval: (q) => (isClosed(q.state.data) || isUnknown(q.state.data, q.state.error) ? false : POLL_MS),
      // Each poll tells the server the page is alive (a page quiet past the queue's grace
      // period loses its place); a phone coming back to this page reports at once.
      refetchOnWindowFocus: (q) => !isUnknown(q.state.data, q.state.error),
    },
  );
  const { data: s, error } = useQuery(statusQuery);
  const gone = errorCode(error) === "NOT_FOUND";
  const closed = isClosed(s);

  useEffect(() => {
    if (s?.status === "answered") location.replace(`/join/${token}`);
  }, [s?.status, token]);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: statusQuery.queryKey });
  const callMeBack = useMutation(
    trpc.queue.callMeBack.mutationOptions({
      // The callback's own waiting page: its address holds the token that joins the callback's call.
      onSuccess: ({ entryToken }) => location.replace(`/report/wait/${entryToken}`),
      onError: refresh,
    }),
  );
  const leave = useMutation(trpc.queue.leave.mutationOptions({ onSettled: refresh }));
  // Asked for a callback, the page stays busy while the callback's page loads.
  const busy = callMeBack.isPending || callMeBack.isSuccess || leave.isPending;
  // Already answered or ended meanwhile: the next status says which.
  const actionFailed = callMeBack.isError || leave.isError;

  function act(action: "leave" | "callMeBack") {
    // Only the last action's failure shows.
    if (action === "callMeBack") {
      leave.reset();
      callMeBack.mutate({ entryToken: token });
    } else {
      callMeBack.reset();
      leave.mutate({ entryToken: token });
    }
  }

  const estimate = (sec: number | null) =>
    sec === null ? t("queue.estimate.unknown") : sec === 0 ? t("queue.estimate.now") : sec < 60 ? t("queue.estimate.underMinute") : fill(t("queue.estimate.minutes"), { min: Math.round(sec / 60) });

  return (
    <main className="page join narrow">
      <div className="topbar">
        <h1>{t("report.title")}</h1>
        <LanguageSwitch />
      </div>
      {gone && (
        <section className="card" data-testid="queue-problem">
          <p>{t("queue.entryGone")}</p>
        </section>
      )}
      {!gone && !s && <p className="muted">{t("common.loading")}</p>}
      {s && (s.status === "waiting" || s.status === "offered") && (
        <section className="card" data-testid="queue-waiting" data-status={s.status} data-mode={s.mode} data-position={s.position ?? ""} data-estimate={s.estimatedWaitSec ?? ""}>
          <h2>{t(s.mode === "callback" ? "queue.callbackWaiting.title" : "queue.waiting.title")}</h2>
          {s.mode === "callback" && <p data-testid="queue-callback-booked">{fill(t("queue.callbackWaiting"), { mobile: s.mobile ?? "" })}</p>}
          {s.status === "offered" ? (
            <p className="banner ok" data-testid="queue-connecting">{t("queue.connecting")}</p>
          ) : (
            <>
              <p>
                {t("queue.position")}: <strong data-testid="queue-position">{s.position}</strong>
              </p>
              <p>
                {t("queue.estimate")}: <strong data-testid="queue-estimate">{estimate(s.estimatedWaitSec)}</strong>
              </p>
            </>
          )}
          {s.callbackOffered && s.mode !== "callback" && <p className="banner warn" data-testid="queue-callback-offered">{t("queue.callbackOffered")}</p>}
          {actionFailed && <p className="error" role="alert">{t("common.error")}</p>}
          <div className="controls">
            {s.mode !== "callback" && (
              <button type="button" disabled={busy} onClick={() => act("callMeBack")} data-testid="queue-callback">
                {t("queue.callMeBack")}
              </button>
            )}
            <button type="button" disabled={busy} onClick={() => act("leave")} data-testid="queue-leave">
              {t(s.mode === "callback" ? "queue.cancelCallback" : "queue.leave")}
            </button>
          </div>
        </section>
      )}
      {s?.status === "answered" && <p className="banner ok" data-testid="queue-answered">{t("queue.connecting")}</p>}
      {s?.status === "abandoned" && (
        <section className="card" data-testid="queue-ended" data-reason={s.endReason ?? ""}>
          <p>{s.endReason === "callback" ? fill(t("queue.callbackRequested"), { mobile: s.mobile ?? "" }) : s.endReason === "dropped" ? t("queue.dropped") : t("queue.left")}</p>
        </section>
      )}
      {s && !closed && s.guide && <WaitingGuide token={token} guide={s.guide} />}
    </main>
  );
}
