"use client";
// The agent's view of what the closed survey's evidence package says was and
// was not recorded. The package is built in the background after the close,
// so this polls until it is ready (or the package failed, which the progress
// box beside it shows).
import { useQuery } from "@tanstack/react-query";
import type { RouterOutputs } from "../../_lib/trpc-client";
import { useTRPC } from "../../_lib/trpc-react";
import { CompletenessView } from "./completeness-view";

const POLL_MS = 3000;

export function EvidenceCompleteness({ surveyId }: { surveyId: string }) {
  const trpc = useTRPC();
  // The package's status is the one the progress box follows (the same cached query), followed
  // here too until the package is ready, failed or purged; the report is asked for until it is
  // there, or the package failed or was purged (a retried package is followed again).
  const status = useQuery(trpc.evidence.status.queryOptions({ surveyId }, { refetchInterval: (q) => (q.state.data?.package?.status === "ready" || gone(q.state.data) ? false : POLL_MS) }));
  const report = useQuery(trpc.evidence.completeness.queryOptions({ surveyId }, { refetchInterval: (q) => (q.state.data || gone(status.data) ? false : POLL_MS) }));
  return report.data ? <CompletenessView report={report.data} /> : null;
}

type Status = RouterOutputs["evidence"]["status"];

/** No report will come: the build failed (until it is retried) or the package was purged. */
function gone(status: Status | undefined): boolean {
  return status?.package?.status === "failed" || status?.package?.status === "purged";
}
