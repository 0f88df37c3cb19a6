"use client";
// The red REC mark on every screen, shown only while every expected track is
// being written; otherwise, on every screen (the phone in its own language),
// whose voice or video is not being recorded and why, until it recovers. Also
// the consent notice on the policyholder's phone, and why nothing is recorded
// for staff. Failures show a translated message and an error id from the
// server log, never raw error text.
import { useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import type { RecordingTrackWire } from "../../../server/signalling/protocol";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { phonePlace } from "../../_lib/place/phone-place";
// The notice text lives with the server so the evidence package quotes exactly what this screen shows.
import { RECORDING_NOTICE_VERSION, recordingNotice } from "../../../server/domain/recording-notice";

export { RECORDING_NOTICE_VERSION };

const fill = (text: string, vars: Record<string, string>) => text.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);

/** The tracks that should be written now and are not (paused tracks are not expected). */
export function unrecordedTracks(tracks: RecordingTrackWire[] | undefined): RecordingTrackWire[] {
  return (tracks ?? []).filter((t) => !t.paused && t.state !== "recording");
}

/** "Your voice is not being recorded yet; retrying." in the page's language. */
export function useTrackLine() {
  const { t } = useI18n();
  return (track: RecordingTrackWire, selfId: string | undefined) => {
    const name = `${t(`role.${track.role}` as MessageKey)} ${track.displayName}`;
    const what = track.participantId === selfId ? t(`rec.track.self.${track.kind}`) : fill(t(`rec.track.other.${track.kind}`), { name });
    const why =
      track.state === "failed"
        ? t(track.code === "DISK_FULL" ? "rec.why.DISK_FULL" : "rec.why.failed")
        : t(track.state === "retrying" ? "rec.why.retrying" : "rec.why.starting");
    const line = fill(t(track.state === "failed" ? "rec.track.stopped" : "rec.track.notYet"), { what, why });
    return track.errorId ? `${line} (${t("rec.errorId")}: ${track.errorId})` : line;
  };
}

/** Staff alerts: recording codes are translated here; the server's English text is only a fallback for codes this page does not know. */
function alertText(t: (k: MessageKey) => string, a: { code: string; message: string; errorId?: string }) {
  const text = a.code === "RECORDING_DISK_FULL" ? t("alert.RECORDING_DISK_FULL") : a.code.startsWith("RECORDING_") ? t("alert.RECORDING_TRACK") : a.message;
  return a.errorId ? `${text} (${t("rec.errorId")}: ${a.errorId})` : text;
}

export function RecordingStatus({ call, role }: { call: SurveyCall; role: "policyholder" | "agent" | "adjuster" }) {
  const { t, locale } = useI18n();
  const notice = recordingNotice(RECORDING_NOTICE_VERSION, locale)!;
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [answering, setAnswering] = useState(false);
  // While reconnecting the server's state is unknown: a stale REC mark would
  // claim a recording that may have stopped.
  const rec = s.phase === "in-call" ? s.recording : null;
  const lastAlert = s.alerts[s.alerts.length - 1];
  const trackLine = useTrackLine();
  const missing = rec && (rec.state === "recording" || rec.state === "failed") ? unrecordedTracks(rec.tracks) : [];
  return (
    <>
      {rec?.state === "recording" && rec.complete && (
        <div className="rec-mark" data-testid="rec-indicator" role="status">
          ● {t("rec.mark")}
        </div>
      )}
      {missing.length > 0 && (
        <div className="banner warn" data-testid="rec-missing" role="status">
          {missing.map((m) => (
            <p
              key={`${m.participantId}-${m.kind}`}
              data-testid="rec-missing-track"
              data-role={m.role}
              data-kind={m.kind}
              data-state={m.state}
              data-code={m.code ?? ""}
              data-error-id={m.errorId ?? ""}
            >
              {trackLine(m, s.self?.participantId)}
            </p>
          ))}
        </div>
      )}
      {role !== "policyholder" && rec?.state === "awaiting-consent" && <p className="banner" data-testid="rec-awaiting">{t("rec.awaiting")}</p>}
      {role !== "policyholder" && rec?.state === "refused" && <p className="banner warn" data-testid="rec-refused">{t("rec.refused")}</p>}
      {role !== "policyholder" && rec?.state === "failed" && (
        <p className="banner warn" data-testid="rec-failed">
          {t("rec.failed")}: {t(rec.reason === "DISK_FULL" ? "rec.why.DISK_FULL" : "rec.why.failed")}
        </p>
      )}
      {role !== "policyholder" && lastAlert && (
        <p className="banner warn" role="alert" data-testid="alert" data-code={lastAlert.code} data-error-id={lastAlert.errorId ?? ""}>
          {alertText(t, lastAlert)}
        </p>
      )}
      {role === "policyholder" && rec?.state === "awaiting-consent" && s.phase === "in-call" && (
        <div className="card consent" data-testid="consent-notice" role="dialog" aria-labelledby="consent-title">
          <h2 id="consent-title">{notice.title}</h2>
          <p data-notice-version={RECORDING_NOTICE_VERSION}>{notice.body}</p>
          <div className="controls">
            {([true, false] as const).map((accepted) => (
              <button
                key={String(accepted)}
                type="button"
                className={accepted ? "primary" : undefined}
                data-testid={accepted ? "consent-accept" : "consent-refuse"}
                disabled={answering}
                onClick={() => {
                  setAnswering(true);
                  // The position goes with the answer (or why there is none); it waits a few seconds at most.
                  void phonePlace
                    .now()
                    .then((place) => call.answerRecordingNotice(accepted, RECORDING_NOTICE_VERSION, locale, place))
                    .finally(() => setAnswering(false));
                }}
              >
                {t(accepted ? "consent.accept" : "consent.refuse")}
              </button>
            ))}
          </div>
        </div>
      )}
    </>
  );
}
