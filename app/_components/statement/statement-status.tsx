"use client";
// The statement in the agent's console and on the field adjuster's page: where
// it stands (not asked, waiting for the driver, signed, confirmed by whom), its
// text and hash, "ask for the statement" (agent) and "confirm statement".
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { errorCode, type RouterOutputs } from "../../_lib/trpc-client";
import type { ReadOptions } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { shortHash } from "../../_lib/statement/signature-pad";
import { statementErrorKey } from "./statement-errors";

type Role = "agent" | "adjuster";
/** The same answer from the agent's procedure (statement.status) and the invitee's (statement.mine). */
type Status = RouterOutputs["statement"]["status"];

const POLL_MS = 2000;

/**
 * `status` is the page's read of where the statement stands, in the page's language (the
 * agent's procedure or the adjuster's): `trpc.statement.x.queryOptions({ ..., locale })`.
 */
export function StatementStatus({
  role,
  status,
  onRequest,
  onConfirm,
}: {
  role: Role;
  status: ReadOptions<Status>;
  onRequest?: () => Promise<unknown>;
  onConfirm: (statementSha256: string) => Promise<unknown>;
}) {
  const { t, locale } = useI18n();
  const queryClient = useQueryClient();
  // After a language switch the statement shown stays until the next answer brings it in the new language.
  const { data } = useQuery({ ...status, refetchInterval: POLL_MS, placeholderData: keepPreviousData });
  // One action at a time; whatever its outcome, the panel reads where the statement now stands.
  const action = useMutation({
    mutationFn: (work: () => Promise<unknown>) => work(),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: status.queryKey }),
  });
  const act = (work: () => Promise<unknown>) => action.mutate(work);
  const busy = action.isPending;
  const error: MessageKey | null = action.error ? statementErrorKey(errorCode(action.error)) : null;

  if (!data) return null;
  const signed = data.signature?.current ? data.signature : null;
  const state = !data.requested ? "not-requested" : !data.signature ? "waiting" : !signed ? "changed" : data.confirmations.agent && data.confirmations.adjuster ? "confirmed" : "signed";
  const stateKey: Record<typeof state, MessageKey> = {
    "not-requested": "statement.notRequested",
    waiting: "statement.waiting",
    changed: "statement.changed",
    signed: "statement.signed",
    confirmed: "statement.confirmedAll",
  };
  const when = (d: Date) => new Date(d).toLocaleString(locale);
  return (
    <section className="card statement" data-testid="statement-status" data-state={state} data-sha256={data.statement.sha256}>
      <h2>{t("statement.title")}</h2>
      <p data-testid="statement-state">{t(stateKey[state])}</p>
      {signed && (
        <p>
          {t("statement.signedAt")}: {when(signed.signedAt)} · {t("statement.hash")} <code data-testid="statement-hash">{shortHash(signed.statementSha256)}</code>
        </p>
      )}
      {data.requested && (
        <ul className="statement-confirmations">
          {(["agent", "adjuster"] as const).map((r) => (
            <li key={r} data-testid={`statement-confirmed-${r}`} data-done={data.confirmations[r] ? "1" : "0"}>
              {t(r === "agent" ? "statement.confirmedAgent" : "statement.confirmedAdjuster")}: {data.confirmations[r] ? when(data.confirmations[r]!.at) : t("statement.notConfirmed")}
            </li>
          ))}
        </ul>
      )}
      {data.requested && (
        <details>
          <summary>{t("statement.showText")}</summary>
          <pre className="statement-text" data-testid="statement-text" lang={data.statement.locale}>
            {data.statement.text}
          </pre>
        </details>
      )}
      {error && (
        <p className="error" role="alert" data-testid="statement-error">
          {t(error)}
        </p>
      )}
      <div className="controls">
        {onRequest && !data.requested && (
          <button type="button" data-testid="statement-request" disabled={busy} onClick={() => act(onRequest)}>
            {t("statement.request")}
          </button>
        )}
        {signed && !data.confirmations[role] && (
          <button type="button" className="primary" data-testid="statement-confirm" disabled={busy} onClick={() => act(() => onConfirm(signed.statementSha256))}>
            {t("statement.confirm")}
          </button>
        )}
      </div>
    </section>
  );
}
