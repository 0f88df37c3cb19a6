"use client";
// The policyholder's camera view for guided capture: the live preview with the
// pushed guide's overlay, the shutter (also fired remotely by the agent), the
// torch where the camera has one, and the verdict with its hint.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { takeStill, setTorch, torchSupported } from "../../_lib/capture/take-still";
import { CaptureUploadError, currentPosition, uploadCapture } from "../../_lib/capture/upload-capture";
import { useI18n } from "../../_i18n/i18n-provider";
import { StreamVideo } from "../call/media-element";
import type { CaptureWire } from "../../../server/signalling/protocol";

type Status = { kind: "idle" } | { kind: "uploading"; attempt: number } | { kind: "done"; capture: CaptureWire } | { kind: "failed"; message: string };

export function CapturePanel({ call, inviteToken }: { call: SurveyCall; inviteToken: string }) {
  const { t, locale } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [torch, setTorchOn] = useState(false);
  const busy = useRef(false);
  const track = s.localStream?.getVideoTracks()[0] ?? null;
  const guide = s.guide;

  async function shoot(itemKey: string) {
    if (busy.current || !track) return;
    busy.current = true;
    setStatus({ kind: "uploading", attempt: 1 });
    try {
      const capturedAt = new Date();
      const [{ blob }, gps] = await Promise.all([takeStill(track), currentPosition()]);
      const capture = await uploadCapture({ blob, inviteToken, itemKey, capturedAt, gps, onAttempt: (attempt) => setStatus({ kind: "uploading", attempt }) });
      call.addCapture(capture);
      setStatus({ kind: "done", capture });
    } catch (err) {
      const message = err instanceof CaptureUploadError && err.userMessage ? err.userMessage[locale] : t("capture.failed");
      setStatus({ kind: "failed", message });
    } finally {
      busy.current = false;
    }
  }

  // The agent pressed "Capture": take it now, for the item they named.
  useEffect(() => {
    if (s.captureRequest) {
      call.clearCaptureRequest();
      void shoot(s.captureRequest.itemKey);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.captureRequest]);

  // A verdict changed elsewhere (the agent accepted a rejected photo anyway).
  const latest = status.kind === "done" ? s.captures.find((c) => c.id === status.capture.id) ?? status.capture : null;

  return (
    <section className="card capture" data-testid="capture-panel">
      <div className="capture-view">
        <StreamVideo stream={s.localStream} muted data-testid="capture-preview" />
        {guide?.overlay && <img className="capture-overlay" src={guide.overlay} alt="" data-testid="guide-overlay" />}
      </div>
      {guide ? (
        <p data-testid="guide-instruction" data-item={guide.itemKey}>
          <strong>{guide.label[locale]}</strong> — {guide.instruction[locale]}
        </p>
      ) : (
        <p className="muted">{t("capture.noGuide")}</p>
      )}
      <div className="controls">
        <button type="button" className="primary" data-testid="shutter" disabled={!guide || status.kind === "uploading"} onClick={() => guide && void shoot(guide.itemKey)}>
          {t("capture.shutter")}
        </button>
        {torchSupported(track) && (
          <button type="button" data-testid="torch" aria-pressed={torch} onClick={() => track && setTorch(track, !torch).then(() => setTorchOn(!torch), () => undefined)}>
            {t("capture.torch")}
          </button>
        )}
      </div>
      {status.kind === "uploading" && <p className="banner">{status.attempt > 1 ? t("capture.retrying") : t("capture.uploading")}</p>}
      {status.kind === "failed" && <p className="error" role="alert" data-testid="capture-error">{status.message}</p>}
      {latest && <Verdict capture={latest} />}
    </section>
  );
}

export function Verdict({ capture }: { capture: CaptureWire }) {
  const { t, locale } = useI18n();
  const accepted = capture.verdict === "accepted";
  return (
    <div className={accepted ? "banner ok" : "banner warn"} data-testid="capture-verdict" data-verdict={capture.verdict} data-item={capture.itemKey} data-reasons={capture.reasons.map((r) => r.code).join(",")}>
      <strong>{capture.overridden ? t("capture.overridden") : accepted ? t("capture.accepted") : t("capture.rejected")}</strong>
      {!accepted &&
        capture.reasons.map((r) => (
          <div key={r.code}>
            {r.message[locale]} — {r.hint[locale]}
          </div>
        ))}
    </div>
  );
}
