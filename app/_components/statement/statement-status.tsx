"use client";
// The statement in the agent's console and on the field adjuster's page: where
// it stands (not asked, waiting for the driver, signed, confirmed by whom), its
// text and hash, "ask for the statement" (agent) and "confirm statement".
import { errorCode } from "../../_lib/trpc-client";
import { usePolled } from "../../_lib/use-polled";
import { useAction } from "../../_lib/use-action";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { shortHash } from "../../_lib/statement/signature-pad";
import { statementErrorKey } from "./statement-errors";

type Role = "agent" | "adjuster";
interface Status {
  requested: boolean;
  statement: { text: string; sha256: string; locale: "zh-CN" | "en" };
  signature: { statementSha256: string; imageSha256: string; signedAt: Date; current: boolean } | null;
  confirmations: Record<Role, { at: Date } | null>;
}

export function StatementStatus({
  role,
  load,
  onRequest,
  onConfirm,
}: {
  role: Role;
  load: (locale: "zh-CN" | "en") => Promise<Status>;
  onRequest?: () => Promise<unknown>;
  onConfirm: (statementSha256: string) => Promise<unknown>;
}) {
  const { t, locale } = useI18n();
  const { data, refresh } = usePolled(() => load(locale), 2000);
  const { busy, error, run: act } = useAction((err) => statementErrorKey(errorCode(err)), refresh);

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
          <button type="button" data-testid="statement-request" disabled={busy} onClick={() => void act(onRequest)}>
            {t("statement.request")}
          </button>
        )}
        {signed && !data.confirmations[role] && (
          <button type="button" className="primary" data-testid="statement-confirm" disabled={busy} onClick={() => void act(() => onConfirm(signed.statementSha256))}>
            {t("statement.confirm")}
          </button>
        )}
      </div>
    </section>
  );
}
