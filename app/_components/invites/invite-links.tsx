"use client";
// The survey's links per role, as the agent manages them: a fresh link (lost
// SMS, another adjuster) and withdrawing one (sent to the wrong number). A
// withdrawn link stops working at once, also for whoever is in the call with it.
import { useState } from "react";
import { useAction } from "../../_lib/use-action";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { CopyLink } from "../copy-link";

type Invite = Awaited<ReturnType<typeof trpc.surveys.get.query>>["invites"][number];

function inviteState(i: Invite, now: number): "active" | "expired" | "withdrawn" {
  if (i.revokedAt) return "withdrawn";
  return new Date(i.expiresAt).getTime() <= now ? "expired" : "active";
}

export function InviteLinks({ surveyId, invites, onChange }: { surveyId: string; invites: Invite[]; onChange: () => void }) {
  const { t } = useI18n();
  const [fresh, setFresh] = useState<Record<string, string>>({});
  const { busy, error, run: act } = useAction(() => "common.error", onChange);
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
                          void act(() => trpc.surveys.revokeInvite.mutate({ surveyId, inviteId: i.id }));
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
            onClick={() =>
              void act(async () => {
                const r = await trpc.surveys.reissueInvite.mutate({ surveyId, role });
                setFresh((f) => ({ ...f, [role]: r.url }));
              })
            }
          >
            {t("survey.reissue")}
          </button>
        </div>
      ))}
    </details>
  );
}
