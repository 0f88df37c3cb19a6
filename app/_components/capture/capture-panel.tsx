"use client";
// The policyholder's camera view for guided capture: the live preview with the
// pushed guide's overlay, the item's name and instruction, a large shutter
// (also fired remotely by the agent) within thumb reach, the torch where the
// camera has one, and the verdict naming the item and the reason, with a
// one-tap retake. Without a guide there is nothing to shoot yet: the call's
// own self-view shows the camera and this panel only says what comes next.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { takeStill, setTorch, torchSupported } from "../../_lib/capture/take-still";
import { CaptureUploadError, currentPosition, uploadCapture } from "../../_lib/capture/upload-capture";
import { useI18n } from "../../_i18n/i18n-provider";
import { StreamVideo } from "../call/media-element";
import type { CaptureWire } from "../../../server/signalling/protocol";

type Status = { kind: "idle" } | { kind: "uploading"; attempt: number } | { kind: "done"; capture: CaptureWire } | { kind: "failed"; message: string };
export type ItemLabels = Record<string, { "zh-CN": string; en: string }>;

export function CapturePanel({ call, inviteToken, loadLabels }: { call: SurveyCall; inviteToken: string; loadLabels?: () => Promise<ItemLabels> }) {
  const { t, locale } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [torch, setTorchOn] = useState(false);
  const [labels, setLabels] = useState<ItemLabels>({});
  const busy = useRef(false);
  const track = s.localStream?.getVideoTracks()[0] ?? null;
  const guide = s.guide;

  useEffect(() => {
    loadLabels?.().then((l) => setLabels((old) => ({ ...l, ...old })), () => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  // Every guide names its item: remember it for the verdicts.
  useEffect(() => {
    if (guide) setLabels((old) => ({ ...old, [guide.itemKey]: guide.label }));
  }, [guide]);

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

  // A new guide starts a new step: the last verdict belonged to another item.
  useEffect(() => {
    setStatus((st) => (st.kind === "done" && st.capture.itemKey !== guide?.itemKey ? { kind: "idle" } : st));
  }, [guide?.itemKey]);

  // A verdict changed elsewhere (the agent accepted a rejected photo anyway).
  const latest = status.kind === "done" ? s.captures.find((c) => c.id === status.capture.id) ?? status.capture : null;

  if (!guide) {
    return (
      <section className="card capture" data-testid="capture-panel" data-active="0">
        <p className="muted">{t("capture.noGuide")}</p>
      </section>
    );
  }
  const uploading = status.kind === "uploading";
  return (
    <section className="capture" data-testid="capture-panel" data-active="1">
      <div className="capture-view">
        <StreamVideo stream={s.localStream} muted data-testid="capture-preview" />
        {guide.overlay && <img className="capture-overlay" src={guide.overlay} alt="" data-testid="guide-overlay" data-item={guide.itemKey} />}
      </div>
      <p className="capture-guide" data-testid="guide-instruction" data-item={guide.itemKey}>
        <strong data-testid="guide-label">{guide.label[locale]}</strong> {guide.instruction[locale]}
      </p>
      <div className="capture-status" aria-live="polite">
        {uploading && <p className="banner">{status.attempt > 1 ? t("capture.retrying") : t("capture.uploading")}</p>}
        {status.kind === "failed" && (
          <p className="error" role="alert" data-testid="capture-error">
            {status.message}
          </p>
        )}
        {latest && <Verdict capture={latest} label={labels[latest.itemKey]?.[locale]} onRetake={() => void shoot(latest.itemKey)} retakeDisabled={uploading} />}
      </div>
      <div className="capture-actions">
        {torchSupported(track) ? (
          <button type="button" data-testid="torch" aria-pressed={torch} onClick={() => track && setTorch(track, !torch).then(() => setTorchOn(!torch), () => undefined)}>
            {t("capture.torch")}
          </button>
        ) : (
          <span />
        )}
        <button type="button" className="shutter" data-testid="shutter" disabled={uploading} onClick={() => void shoot(guide.itemKey)} aria-label={`${t("capture.shutter")} · ${guide.label[locale]}`}>
          {t("capture.shutter")}
        </button>
        <span />
      </div>
    </section>
  );
}

/**
 * One photo's verdict as both sides see it: which checklist item, accepted or
 * not and why, and — when it was rejected — a one-tap retake (the phone shoots
 * again; the agent asks the phone to).
 */
export function Verdict({ capture, label, onRetake, retakeDisabled }: { capture: CaptureWire; label: string | undefined; onRetake?: () => void; retakeDisabled?: boolean }) {
  const { t, locale } = useI18n();
  const accepted = capture.verdict === "accepted";
  return (
    <div className={accepted ? "banner ok verdict" : "banner warn verdict"} data-testid="capture-verdict" data-verdict={capture.verdict} data-item={capture.itemKey} data-reasons={capture.reasons.map((r) => r.code).join(",")}>
      <div className="verdict-text">
        <strong>
          <span data-testid="verdict-item">{label ?? t("capture.unknownItem")}</span> · {capture.overridden ? t("capture.overridden") : accepted ? t("capture.accepted") : t("capture.rejected")}
        </strong>
        {!accepted &&
          capture.reasons.map((r) => (
            <div key={r.code} data-testid="verdict-reason">
              {r.message[locale]} — {r.hint[locale]}
            </div>
          ))}
      </div>
      {!accepted && onRetake && (
        <button type="button" className="primary" data-testid="retake" disabled={retakeDisabled} onClick={onRetake}>
          {t("capture.retake")}
        </button>
      )}
    </div>
  );
}
