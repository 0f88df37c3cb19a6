"use client";
// The agent's (and adjuster's) checklist: each shot's state, pushing its guide
// to the phone, triggering the capture remotely, and accepting a rejected
// photo anyway with a reason.
import { useQuery } from "@tanstack/react-query";
import { useState, useSyncExternalStore } from "react";
import { useRefetchOnChange } from "../../_lib/use-refetch-on-change";
import type { SurveyCall } from "../../_lib/call/survey-call";
import type { ReadOptions } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { StillOnItsWay, Verdict } from "./capture-panel";
import { unrecordedTracks, useTrackLine } from "../recording/recording-status";
import { SignalError } from "../../_lib/call/signalling-client";
import { ShotActions } from "./shot-actions";

export interface ChecklistRow {
  key: string;
  label: { "zh-CN": string; en: string };
  state: "missing" | "accepted" | "rejected" | "overridden";
}

/**
 * `checklist` is the page's read of the checklist (the agent's procedure or the invitee's):
 * `trpc.x.checklist.queryOptions(...)`.
 */
export function ChecklistPanel<Row extends ChecklistRow>({
  call,
  checklist,
  onOverride,
}: {
  call: SurveyCall;
  checklist: ReadOptions<Row[]>;
  onOverride?: (captureId: string, reason: string) => Promise<unknown>;
}) {
  const { t, locale } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  // A failed read keeps the rows last shown.
  const rows = useQuery(checklist).data ?? [];
  const [error, setError] = useState<MessageKey | null>(null);
  // A verdict or an override, or the call's phase, changes the items' states: read them again.
  const verdicts = s.captures.map((c) => c.verdict + c.overridden).join();
  useRefetchOnChange(checklist.queryKey, `${verdicts}|${s.phase}`);

  // The server's reason comes as a code; the words are the catalogue's.
  const act = (p: Promise<unknown>) => p.then(() => setError(null), (e: unknown) => setError(guideErrorKey(e)));
  const latest = s.captures[s.captures.length - 1];
  const canAct = s.phase === "in-call";
  // A step captured while the policyholder is not on record would be missing from the evidence: say so before it is done.
  const rec = s.phase === "in-call" ? s.recording : null;
  const policyholderUnrecorded = rec && (rec.state === "recording" || rec.state === "failed") ? unrecordedTracks(rec.tracks).filter((tr) => tr.role === "policyholder") : [];
  const trackLine = useTrackLine();
  return (
    <section className="card" data-testid="checklist">
      <h2>{t("capture.checklist")}</h2>
      {policyholderUnrecorded.length > 0 && (
        <div className="banner warn" data-testid="checklist-rec-warning" role="alert">
          <p>{t("rec.checklist.warning")}</p>
          {policyholderUnrecorded.map((m) => (
            <p key={m.kind}>{trackLine(m, s.self?.participantId)}</p>
          ))}
        </div>
      )}
      {error && (
        <p className="error" role="alert" data-testid="checklist-error">
          {t(error)}
        </p>
      )}
      <table>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-testid="checklist-item" data-key={r.key} data-state={r.state}>
              <td>{r.label[locale]}</td>
              <td className={`state-${r.state}`}>{t(`capture.state.${r.state}` as MessageKey)}</td>
              <ShotActions disabled={!canAct} onGuide={() => void act(call.pushGuide(r.key))} onCapture={() => void act(call.requestCapture(r.key))} />
            </tr>
          ))}
        </tbody>
      </table>
      {s.pendingPhotos.length > 0 && (
        <div data-testid="pending-photos" aria-live="polite">
          {s.pendingPhotos.map((p) => (
            <StillOnItsWay key={p.key} still={{ itemKey: p.itemKey, sent: p.received, total: p.total, waiting: false, provisional: p.provisional }} label={rows.find((r) => r.key === p.itemKey)?.label[locale]} />
          ))}
        </div>
      )}
      {latest && (
        <div>
          <Verdict
            capture={latest}
            label={rows.find((r) => r.key === latest.itemKey)?.label[locale]}
            onRetake={canAct ? () => void act(call.requestCapture(latest.itemKey)) : undefined}
          />
          {onOverride && latest.verdict === "rejected" && (
            <button
              type="button"
              data-testid="override-capture"
              onClick={() => {
                const reason = window.prompt(t("capture.overridePrompt"));
                if (reason && reason.trim().length >= 3) void act(onOverride(latest.id, reason.trim()));
              }}
            >
              {t("capture.override")}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function guideErrorKey(e: unknown): MessageKey {
  const code = e instanceof SignalError ? e.code : null;
  if (code === "NOT_READY") return "capture.error.notReady";
  if (code === "DISCONNECTED" || code === "TIMEOUT") return "capture.error.disconnected";
  return "common.error";
}
