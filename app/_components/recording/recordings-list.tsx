"use client";
// The finalised recordings of a survey with duration, size and SHA-256.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "../../_lib/trpc-react";
import { useRefetchOnChange } from "../../_lib/use-refetch-on-change";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { CompositeButton } from "./composite-button";

export function RecordingsList({ surveyId, refreshKey }: { surveyId: string; refreshKey?: unknown }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  // The tracks are finished a few seconds after the survey ends (each file
  // is drained and hashed first): ask again until none is still being written.
  // A failed call (once the app's retries of a dropped call are spent) hides the
  // list and is not asked again until another survey or refreshKey lists it again.
  const listQuery = trpc.recordings.list.queryOptions(
    { surveyId },
    { refetchInterval: (q) => (q.state.status !== "error" && q.state.data?.some((x) => x.status === "recording") ? 2000 : false) },
  );
  const { data, isError } = useQuery(listQuery);
  // A new refreshKey lists the recordings again.
  useRefetchOnChange(listQuery.queryKey, refreshKey);
  const rows = isError || !data ? [] : data;
  if (rows.length === 0) return null;
  return (
    <section className="card" data-testid="recordings">
      <h2>{t("rec.list")}</h2>
      <p>
        <Link href={`/surveys/${surveyId}/playback`} data-testid="playback-link">{t("rec.playback")}</Link>
      </p>
      {rows.every((r) => r.status !== "recording") && <CompositeButton surveyId={surveyId} />}
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="recording-row" data-kind={r.kind} data-role={r.role} data-status={r.status}>
              <td>{r.displayName} · {t(`role.${r.role}` as MessageKey)}</td>
              <td>{t(`rec.kind.${r.kind}` as MessageKey)} · {r.codec.replace(/^(audio|video)\//, "")}</td>
              <td>{t("rec.duration")} {r.durationMs != null ? `${(r.durationMs / 1000).toFixed(1)} s` : "—"}</td>
              <td>{t("rec.size")} {r.byteSize != null ? `${(r.byteSize / 1024).toFixed(0)} KiB` : "—"}</td>
              <td><code style={{ fontSize: "0.75rem", wordBreak: "break-all" }}>{r.sha256 ?? t(`rec.status.${r.status}`)}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
