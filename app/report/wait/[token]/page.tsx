"use client";
// The driver's waiting screen: place in the queue and estimated wait, kept fresh
// by polling; safety first while they wait; leave or ask to be called back. When
// an agent accepts, the same token is the survey's link: the page goes straight
// into the call page (no second SMS). The token is in the address, so a phone
// that reloads or comes back finds its place again. "Call me back" hands the page
// the callback entry's token: the page then watches that entry and, when an
// agent answers the callback, goes into its call the same way (the link also
// comes by SMS, for a driver who closed the page).
import { use, useEffect, useState } from "react";
import { errorCode, trpc } from "../../../_lib/trpc-client";
import { usePolled } from "../../../_lib/use-polled";
import { useI18n } from "../../../_i18n/i18n-provider";
import { fill } from "../../../_i18n/fill";
import { LanguageSwitch } from "../../../_components/language-switch";
import { WaitingGuide } from "./waiting-guide";

const POLL_MS = 2000;

export default function WaitingPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = use(params);
  const { t } = useI18n();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [actionFailed, setActionFailed] = useState(false);
  const { data: s, error, refresh } = usePolled(() => trpc.queue.status.query({ entryToken: token }), done ? null : POLL_MS);
  const gone = errorCode(error) === "NOT_FOUND";
  const closed = s?.status === "answered" || s?.status === "abandoned";

  // Each poll tells the server the page is alive (a page quiet past the queue's grace
  // period loses its place); a phone coming back to this page reports at once.
  useEffect(() => {
    const back = () => document.visibilityState === "visible" && refresh();
    document.addEventListener("visibilitychange", back);
    return () => document.removeEventListener("visibilitychange", back);
  }, [refresh]);

  useEffect(() => {
    if (closed) setDone(true);
    if (s?.status === "answered") location.replace(`/join/${token}`);
  }, [closed, s?.status, token]);

  async function act(action: "leave" | "callMeBack") {
    setBusy(true);
    setActionFailed(false);
    try {
      if (action === "callMeBack") {
        const { entryToken } = await trpc.queue.callMeBack.mutate({ entryToken: token });
        // The callback's own waiting page: its address holds the token that joins the callback's call.
        location.replace(`/report/wait/${entryToken}`);
        return;
      }
      await trpc.queue.leave.mutate({ entryToken: token });
    } catch {
      // Already answered or ended meanwhile: the next status says which.
      setActionFailed(true);
    }
    setBusy(false);
    refresh();
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
              <button type="button" disabled={busy} onClick={() => void act("callMeBack")} data-testid="queue-callback">
                {t("queue.callMeBack")}
              </button>
            )}
            <button type="button" disabled={busy} onClick={() => void act("leave")} data-testid="queue-leave">
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
