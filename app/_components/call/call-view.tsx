"use client";
// The in-call screen shared by all three roles: remote tiles, the local
// preview, controls and chat. Layout adapts from phone to desktop in CSS.
import { useEffect, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { useI18n } from "../../_i18n/i18n-provider";
import { ChatPanel } from "./chat-panel";
import { StreamAudio, StreamVideo } from "./media-element";
import { RecordingStatus } from "../recording/recording-status";

export function CallView({
  call,
  canEnd,
  onEnded,
  onJoined,
  children,
}: {
  call: SurveyCall;
  canEnd: boolean;
  onEnded?: () => void;
  onJoined?: () => void;
  children?: React.ReactNode;
}) {
  const { t } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);

  // Stable hook for diagnostics and the browser tests.
  useEffect(() => {
    (window as unknown as { __surveyCall?: SurveyCall }).__surveyCall = call;
  }, [call]);

  useEffect(() => {
    if (s.phase === "ended") onEnded?.();
    if (s.phase === "in-call") onJoined?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.phase]);

  const inCall = s.phase === "in-call" || s.phase === "reconnecting";
  return (
    <div className={canEnd ? "call desktop" : "call"} data-phase={s.phase}>
      {s.self && <RecordingStatus call={call} role={s.self.role} />}
      {s.phase === "connecting" && <p className="banner">{t("call.connecting")}</p>}
      {s.phase === "reconnecting" && <p className="banner warn">{t("call.reconnecting")}</p>}
      <div className="stage">
        <div className="remotes" data-count={s.remotes.length}>
          {s.remotes.length === 0 && inCall && <p className="waiting">{t("call.waiting")}</p>}
          {s.remotes.map((r) => (
            <figure key={r.participantId} className="tile" data-testid="remote-tile" data-role={r.role}>
              <StreamVideo stream={r.videoStream} muted data-testid="remote-video" data-role={r.role} data-participant={r.participantId} />
              <StreamAudio stream={r.audioStream} />
              {(r.videoPaused || !r.videoStream) && <div className="tile-off">{t("call.cameraOff")}</div>}
              <figcaption>
                {r.displayName} · {t(`role.${r.role}`)} {r.audioPaused ? "🔇" : ""}
              </figcaption>
            </figure>
          ))}
        </div>
        <figure className="tile local">
          <StreamVideo stream={s.localStream} muted mirrored={s.facing === "user"} data-testid="local-video" />
          <figcaption>{t("call.you")}</figcaption>
        </figure>
      </div>
      <div className="controls">
        <button type="button" data-testid="toggle-mic" onClick={() => void call.toggleMic()} disabled={!inCall} aria-pressed={!s.micOn}>
          {s.micOn ? t("call.mic.off") : t("call.mic.on")}
        </button>
        <button type="button" data-testid="toggle-cam" onClick={() => void call.toggleCam()} disabled={!inCall} aria-pressed={!s.camOn}>
          {s.camOn ? t("call.cam.off") : t("call.cam.on")}
        </button>
        <button type="button" data-testid="switch-camera" onClick={() => void call.switchCamera()} disabled={!inCall}>
          {t("call.switchCamera")}
        </button>
        {canEnd ? (
          <button
            type="button"
            className="danger"
            data-testid="end-survey"
            disabled={!inCall}
            onClick={() => {
              if (window.confirm(t("survey.endConfirm"))) void call.endSurvey();
            }}
          >
            {t("survey.end")}
          </button>
        ) : (
          <button type="button" data-testid="leave-call" onClick={() => call.leave()}>
            {t("call.leave")}
          </button>
        )}
      </div>
      <ChatPanel messages={s.chat} selfId={s.self?.participantId ?? null} onSend={(text) => call.sendChat(text)} disabled={!inCall} />
      {children}
    </div>
  );
}
