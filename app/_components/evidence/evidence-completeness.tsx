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
  // The package's status is the one the progress box follows (the same cached query): polling
  // stops once the report is there, or the package failed or was purged.
  const status = useQuery(trpc.evidence.status.queryOptions({ surveyId }, { refetchInterval: (q): number | false => (settled(report.data, q.state.data) ? false : POLL_MS) }));
  const report = useQuery(trpc.evidence.completeness.queryOptions({ surveyId }, { refetchInterval: (q): number | false => (settled(q.state.data, status.data) ? false : POLL_MS) }));
  return report.data ? <CompletenessView report={report.data} /> : null;
}

type Report = RouterOutputs["evidence"]["completeness"];
type Status = RouterOutputs["evidence"]["status"];

function settled(report: Report | undefined, status: Status | undefined): boolean {
  return (report !== undefined && report !== null) || status?.package?.status === "failed" || status?.package?.status === "purged";
}
