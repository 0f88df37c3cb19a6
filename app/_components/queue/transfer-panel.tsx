"use client";
// On the agent's survey page: pass the survey on to an agent ready now or to a
// group (a queue), and follow the transfer: ringing or waiting (take it back),
// returned (declined, unanswered: the survey stays here, said plainly), or taken
// over. Taken over, the survey is the new agent's; this agent stays in the call
// until the new one is in (a warm transfer: the driver is never left with nobody
// from the insurer), sees them arrive, and leaves with one click.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import { errorCode } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { fill } from "../../_i18n/fill";

const POLL_MS = 1500;
/** Who is ready changes by the minute: the list is asked again this often while no transfer is under way. */
const TARGETS_MS = 3000;
const knownErrors = ["TRANSFER_NOT_READY", "TRANSFER_PENDING", "TRANSFER_TARGET", "SURVEY_CLOSED"];

export function TransferPanel({ surveyId, call, onHandedOver }: { surveyId: string; call: SurveyCall; onHandedOver: () => void }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [handedOver, setHandedOver] = useState(false);
  const statusQuery = trpc.queue.transferStatus.queryOptions({ surveyId }, { refetchInterval: POLL_MS });
  const { data } = useQuery(statusQuery);
  const [choice, setChoice] = useState("");
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const transfer = data?.transfer ?? null;
  const open = transfer?.status === "offered" || transfer?.status === "waiting";

  // Asked while the agent may choose: from the start, and at once again when a transfer comes back; not while one is under way, nor after the hand-over.
  const targetsQuery = trpc.queue.transferTargets.queryOptions({ surveyId }, { enabled: !handedOver && !open, refetchInterval: TARGETS_MS });
  const { data: targets } = useQuery(targetsQuery);
  useEffect(() => {
    if (transfer?.status === "answered" && !handedOver) {
      setHandedOver(true);
      onHandedOver();
    }
  }, [transfer?.status, handedOver, onHandedOver]);

  const refreshStatus = () => void queryClient.invalidateQueries({ queryKey: statusQuery.queryKey });
  const send = useMutation(
    trpc.queue.transfer.mutationOptions({
      // Refused: the list is asked again at once (the agent chosen may no longer be ready).
      onError: () => void queryClient.invalidateQueries({ queryKey: targetsQuery.queryKey }),
      onSettled: refreshStatus,
    }),
  );
  // A refusal is not shown: taken over or returned meanwhile, the next status says which.
  const takeBack = useMutation(trpc.queue.withdrawTransfer.mutationOptions({ onSettled: refreshStatus }));
  const busy = send.isPending || takeBack.isPending;
  const sendCode = send.error ? errorCode(send.error) : null;
  const problem: MessageKey | null = send.error ? (sendCode && knownErrors.includes(sendCode) ? (`queue.transfer.error.${sendCode}` as MessageKey) : "common.error") : null;

  function sendTo() {
    const [kind, id] = choice.split(":");
    if (!id) return;
    send.mutate(kind === "agent" ? { surveyId, toAgentId: id } : { surveyId, toQueueId: id });
  }

  const groupName = (q: { name: string; label: Record<string, string> }) => q.label[locale] ?? q.name;
  const name = transfer?.toAgentName ?? "";
  // A second agent among the call's participants: the new agent has arrived.
  const newAgent = handedOver ? s.remotes.find((r) => r.role === "agent") : undefined;

  return (
    <section className="card" data-testid="transfer-panel" data-status={transfer?.status ?? ""} data-reason={transfer?.reason ?? ""}>
      <h3>{t("queue.transfer.title")}</h3>
      {handedOver ? (
        <>
          <p className="banner ok" data-testid="transfer-done">{fill(t("queue.transfer.done"), { name })}</p>
          {newAgent && <p data-testid="transfer-new-agent-in">{fill(t("queue.transfer.newAgentIn"), { name: newAgent.displayName })}</p>}
          <button
            type="button"
            data-testid="transfer-leave"
            onClick={() => {
              call.leave();
              location.assign("/console");
            }}
          >
            {t("queue.transfer.leave")}
          </button>
        </>
      ) : open ? (
        <>
          <p data-testid="transfer-pending">
            {transfer.toQueue ? fill(t("queue.transfer.waitingGroup"), { group: groupName(transfer.toQueue) }) : fill(t("queue.transfer.ringing"), { name })}
          </p>
          <button type="button" disabled={busy} onClick={() => takeBack.mutate({ surveyId })} data-testid="transfer-take-back">
            {t("queue.transfer.takeBack")}
          </button>
        </>
      ) : (
        <>
          {transfer?.status === "returned" && transfer.reason && (
            <p className="banner warn" role="status" data-testid="transfer-returned">
              {fill(t(`queue.transfer.returned.${transfer.reason}` as MessageKey), { name })}
            </p>
          )}
          <p className="muted">{t("queue.transfer.explain")}</p>
          <label>
            {t("queue.transfer.to")}{" "}
            <select value={choice} onChange={(e) => setChoice(e.target.value)} data-testid="transfer-target">
              <option value="">{t("queue.transfer.choose")}</option>
              {targets && targets.agents.length > 0 && (
                <optgroup label={t("queue.transfer.agents")}>
                  {targets.agents.map((a) => (
                    <option key={a.id} value={`agent:${a.id}`}>
                      {a.name}
                    </option>
                  ))}
                </optgroup>
              )}
              {targets && (
                <optgroup label={t("queue.transfer.groups")}>
                  {targets.queues.map((q) => (
                    <option key={q.id} value={`queue:${q.id}`}>
                      {groupName(q)}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          {targets && targets.agents.length === 0 && <p className="muted">{t("queue.transfer.noAgents")}</p>}
          <div className="controls">
            <button type="button" className="primary" disabled={busy || choice === ""} onClick={sendTo} data-testid="transfer-send">
              {t("queue.transfer.send")}
            </button>
          </div>
          {problem && (
            <p className="error" role="alert" data-testid="transfer-problem">
              {t(problem)}
            </p>
          )}
        </>
      )}
    </section>
  );
}
