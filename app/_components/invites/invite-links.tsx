"use client";
// The survey's links per role, as the agent manages them: a fresh link (lost
// SMS, another adjuster) and withdrawing one (sent to the wrong number). A
// withdrawn link stops working at once, also for whoever is in the call with it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { RouterOutputs } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { CopyLink } from "../copy-link";

type Invite = RouterOutputs["surveys"]["get"]["invites"][number];

function inviteState(i: Invite, now: number): "active" | "expired" | "withdrawn" {
  if (i.revokedAt) return "withdrawn";
  return new Date(i.expiresAt).getTime() <= now ? "expired" : "active";
}

export function InviteLinks({ surveyId, invites }: { surveyId: string; invites: Invite[] }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [fresh, setFresh] = useState<Record<string, string>>({});
  // Whatever the outcome, the survey's page reads its links again, so the list shows what the server now holds.
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.surveys.get.queryKey({ surveyId }) });
  const reissue = useMutation(
    trpc.surveys.reissueInvite.mutationOptions({
      onSuccess: (r, { role }) => setFresh((f) => ({ ...f, [role]: r.url })),
      onSettled: refresh,
    }),
  );
  const withdraw = useMutation(trpc.surveys.revokeInvite.mutationOptions({ onSettled: refresh }));
  // One action at a time; a new one clears what the last one said.
  const busy = reissue.isPending || withdraw.isPending;
  const error: MessageKey | null = reissue.isError || withdraw.isError ? "common.error" : null;
  const now = Date.now();

  return (
    <details>
      <summary data-testid="invite-links">{t("survey.links")}</summary>
      {error && <p className="error" role="alert">{t(error)}</p>}
      {(["policyholder", "adjuster"] as const).map((role) => (
        <div key={role}>
          <p className="muted">{t(`survey.link.${role}` as MessageKey)}</p>
          {fresh[role] && <CopyLink url={fresh[role]!} testId={`invite-link-${role}`} />}
          <ul className="plain">
            {invites
              .filter((i) => i.role === role)
              .map((i) => {
                const state = inviteState(i, now);
                return (
                  <li key={i.id} data-testid="invite-row" data-role={role} data-state={state}>
                    {new Date(i.createdAt).toLocaleString()} · {t(`survey.invite.${state}` as MessageKey)}
                    {i.sentTo && ` · ${t("survey.invite.sentTo")} ${i.sentTo}`}{" "}
                    {state === "active" && (
                      <button
                        type="button"
                        data-testid="invite-withdraw"
                        disabled={busy}
                        data-role={role}
                        onClick={() => {
                          if (!window.confirm(t("survey.invite.confirm"))) return;
                          reissue.reset();
                          withdraw.mutate({ surveyId, inviteId: i.id });
                        }}
                      >
                        {t("survey.invite.withdraw")}
                      </button>
                    )}
                  </li>
                );
              })}
          </ul>
          <button
            type="button"
            data-testid="invite-reissue"
            disabled={busy}
            data-role={role}
            onClick={() => {
              withdraw.reset();
              reissue.mutate({ surveyId, role });
            }}
          >
            {t("survey.reissue")}
          </button>
        </div>
      ))}
    </details>
  );
}
