"use client";
// The agent's view of the evidence package after the survey closed: build
// progress while it is being built, then its manifest SHA-256 and destroy-after
// date (or why it failed). Polls only while something can still change.
import { useEffect, useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";

type Status = Awaited<ReturnType<typeof trpc.evidence.status.query>>;

const POLL_MS = 1500;

export function EvidenceProgress({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const [status, setStatus] = useState<Status | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      trpc.evidence.status.query({ surveyId }).then(
        (s) => {
          if (stopped) return;
          setStatus(s);
          const settled = s.package && (s.package.status === "ready" || s.package.status === "failed" || s.package.status === "purged");
          if (!settled) timer = setTimeout(poll, POLL_MS);
        },
        () => {
          if (!stopped) timer = setTimeout(poll, POLL_MS * 4);
        },
      );
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [surveyId]);

  const pkg = status?.package;
  const state = pkg?.status ?? "none";
  return (
    <section className="card" data-testid="evidence-progress" data-status={state}>
      <h3>{t("evidence.title")}</h3>
      <p>
        <strong data-testid="evidence-status">{t(`evidence.status.${state}` as MessageKey)}</strong>
        {pkg?.status === "building" && (
          <>
            {" "}
            <progress max={1} value={pkg.progress} /> {Math.round(pkg.progress * 100)}% · {t("evidence.stage")}: {pkg.stage ? t(`evidence.stage.${pkg.stage}` as MessageKey) : "—"}
          </>
        )}
      </p>
      {pkg?.status === "ready" && (
        <dl>
          <dt>{t("evidence.manifestSha")}</dt>
          <dd className="mono" data-testid="evidence-manifest-sha" style={{ wordBreak: "break-all" }}>
            {pkg.manifestSha256}
          </dd>
          <dt>{t("evidence.destroyAfter")}</dt>
          <dd data-testid="evidence-destroy-after">{pkg.destroyAfter ? new Date(pkg.destroyAfter).toISOString().slice(0, 10) : "—"}</dd>
        </dl>
      )}
      {pkg?.status === "failed" && (
        <p className="banner warn">
          {t("evidence.error")}: {pkg.error}
        </p>
      )}
    </section>
  );
}
