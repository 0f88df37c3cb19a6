"use client";
// The agent's view of what the closed survey's evidence package says was and
// was not recorded. The package is built in the background after the close,
// so this polls until it is ready (or the package failed, which the progress
// box beside it shows).
import { trpc } from "../../_lib/trpc-client";
import { usePolled } from "../../_lib/use-polled";
import { CompletenessView } from "./completeness-view";

const POLL_MS = 3000;

export function EvidenceCompleteness({ surveyId }: { surveyId: string }) {
  const { data } = usePolled(
    () => Promise.all([trpc.evidence.completeness.query({ surveyId }), trpc.evidence.status.query({ surveyId })]),
    ([c, s]) => {
      const settled = c !== null || s.package?.status === "failed" || s.package?.status === "purged";
      return settled ? null : POLL_MS;
    },
    { retry: POLL_MS * 4, restartOn: [surveyId] },
  );
  const report = data?.[0] ?? null;
  return report ? <CompletenessView report={report} /> : null;
}
