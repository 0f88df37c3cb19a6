"use client";
// The agent's view of the evidence package after the survey closed: build
// progress while it is being built, then its manifest SHA-256 and destroy-after
// date; after a failure the translated reason, its error id, the next automatic
// retry and a retry button. Polls while something can still change (a failed
// build is retried by the server, so it is still followed, more slowly).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { JobFailureNotice } from "./job-failure-notice";
import { PendingUploads } from "../recording/pending-uploads";

const POLL_MS = 1500;
const FAILED_POLL_MS = 10_000;

export function EvidenceProgress({ surveyId }: { surveyId: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const statusQuery = trpc.evidence.status.queryOptions(
    { surveyId },
    {
      refetchInterval: (q) => {
        const s = q.state.data;
        const settled = s?.package && (s.package.status === "ready" || s.package.status === "purged");
        return settled ? false : s?.package?.status === "failed" ? FAILED_POLL_MS : POLL_MS;
      },
    },
  );
  const { data: status } = useQuery(statusQuery);
  // After a retry, follow the build closely again.
  const retry = useMutation(trpc.evidence.retry.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: statusQuery.queryKey }) }));

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
      {pkg?.status === "failed" && <JobFailureNotice testId="evidence-failure" failure={pkg} onRetry={() => retry.mutateAsync({ surveyId })} />}
      <PendingUploads surveyId={surveyId} />
    </section>
  );
}
