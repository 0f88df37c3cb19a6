"use client";
// The agent's place in the video-report queue, on the console: a ready/away
// switch, the offer card when one rings, and a way back to the survey in
// progress. Shown only to agents who serve a queue.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { errorCode } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { OfferCard } from "./offer-card";
import { Ringer } from "./ringer";

const POLL_MS = 1000;

export function QueuePanel() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const offerQuery = trpc.queue.myOffer.queryOptions();
  // An agent who serves no queue is told once; the console then stops asking.
  const { data, dataUpdatedAt } = useQuery({ ...offerQuery, refetchInterval: (q) => (q.state.data?.state === null ? false : POLL_MS) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: offerQuery.queryKey });
  const setMyState = useMutation(trpc.queue.setMyState.mutationOptions({ onSettled: refresh }));
  // Made on the agent's click (browsers let sound play only after a gesture), used when an offer rings.
  const ringer = useRef<Ringer | null>(null);
  if (!data || data.state === null) return null;

  function setState(state: "ready" | "away") {
    if (state === "ready") ringer.current ??= new Ringer();
    setMyState.mutate({ state });
  }
  const busy = setMyState.isPending;
  const problem: MessageKey | null = setMyState.error
    ? errorCode(setMyState.error) === "CONFLICT"
      ? setMyState.variables?.state === "ready"
        ? "queue.agent.finishFirst"
        : "queue.agent.answerFirst"
      : "common.error"
    : null;

  const ready = data.state === "ready" || data.state === "offered";
  return (
    <section className="card" data-testid="queue-panel" data-state={data.state}>
      <h2>{t("queue.agent.title")}</h2>
      <p>
        {t("queue.agent.state")}: <strong data-testid="queue-agent-state">{t(`queue.agent.state.${data.state}` as MessageKey)}</strong>
      </p>
      <div className="controls">
        <button type="button" className={ready ? "primary" : undefined} aria-pressed={ready} disabled={busy || ready} onClick={() => setState("ready")} data-testid="queue-ready">
          {t("queue.agent.goReady")}
        </button>
        <button type="button" aria-pressed={data.state === "away"} disabled={busy || data.state === "away"} onClick={() => setState("away")} data-testid="queue-away">
          {t("queue.agent.goAway")}
        </button>
        {data.currentSurveyId && (
          <a href={`/console/surveys/${data.currentSurveyId}`} data-testid="queue-current-survey">
            {t("queue.agent.backToSurvey")}
          </a>
        )}
      </div>
      {problem && <p className="error" role="alert">{t(problem)}</p>}
      {data.offer && <OfferCard offer={data.offer} clockOffsetMs={data.serverNow.getTime() - dataUpdatedAt} ringer={ringer.current} onAnswered={refresh} />}
    </section>
  );
}
