"use client";
// The agent's view of what the closed survey's evidence package says was and
// was not recorded. The package is built in the background after the close,
// so this polls until it is ready (or the package failed, which the progress
// box beside it shows).
import { useEffect, useState } from "react";
import { trpc } from "../../_lib/trpc-client";
import { CompletenessView } from "./completeness-view";

type Completeness = Awaited<ReturnType<typeof trpc.evidence.completeness.query>>;

const POLL_MS = 3000;

export function EvidenceCompleteness({ surveyId }: { surveyId: string }) {
  const [report, setReport] = useState<Completeness>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      Promise.all([trpc.evidence.completeness.query({ surveyId }), trpc.evidence.status.query({ surveyId })]).then(
        ([c, s]) => {
          if (stopped) return;
          setReport(c);
          const settled = c !== null || s.package?.status === "failed" || s.package?.status === "purged";
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
  return report ? <CompletenessView report={report} /> : null;
}
