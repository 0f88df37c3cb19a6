"use client";
// The red REC mark on every screen while the server records, the consent
// notice on the policyholder's phone, and why nothing is recorded for staff.
import { useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
// The notice text lives with the server so the evidence package quotes exactly what this screen shows.
import { RECORDING_NOTICE_VERSION, recordingNotice } from "../../../server/domain/recording-notice";

export { RECORDING_NOTICE_VERSION };

export function RecordingStatus({ call, role }: { call: SurveyCall; role: "policyholder" | "agent" | "adjuster" }) {
  const { t, locale } = useI18n();
  const notice = recordingNotice(RECORDING_NOTICE_VERSION, locale)!;
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [answering, setAnswering] = useState(false);
  // While reconnecting the server's state is unknown: a stale REC mark would
  // claim a recording that may have stopped.
  const rec = s.phase === "in-call" ? s.recording : null;
  const lastAlert = s.alerts[s.alerts.length - 1];
  const reasonText = (code: string | null) => {
    const key = `rec.reason.${code}` as MessageKey;
    return t(key) === key ? t("rec.reason.other") : t(key);
  };
  return (
    <>
      {rec?.state === "recording" && (
        <div className="rec-mark" data-testid="rec-indicator" role="status">
          ● {t("rec.mark")}
        </div>
      )}
      {role !== "policyholder" && rec?.state === "awaiting-consent" && <p className="banner" data-testid="rec-awaiting">{t("rec.awaiting")}</p>}
      {role !== "policyholder" && rec?.state === "refused" && <p className="banner warn" data-testid="rec-refused">{t("rec.refused")}</p>}
      {role !== "policyholder" && rec?.state === "failed" && (
        <p className="banner warn" data-testid="rec-failed">
          {t("rec.failed")}: {reasonText(rec.reason)}
        </p>
      )}
      {role !== "policyholder" && lastAlert && (
        <p className="banner warn" role="alert" data-testid="alert" data-code={lastAlert.code}>
          {/* The server's sentence is for its log; the screen says it from the catalogue by its code. */}
          {t("rec.failed")}: {reasonText(lastAlert.code.replace(/^RECORDING_/, ""))}
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
                  void call.answerRecordingNotice(accepted, RECORDING_NOTICE_VERSION, locale).finally(() => setAnswering(false));
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
