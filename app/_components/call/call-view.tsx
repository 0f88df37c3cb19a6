"use client";
// The in-call screen shared by all three roles: remote tiles, the local
// preview, controls and chat. On a phone the chat is a sheet opened from the
// controls, and during a capture step (`capturing`) the camera takes the screen:
// the remote tiles shrink to a strip and the self-view gives way to the
// capture preview, which shows the same camera.
import { useEffect, useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { useI18n } from "../../_i18n/i18n-provider";
import { CallErrorCard } from "./call-error-card";
import { ChatPanel } from "./chat-panel";
import { StreamAudio, StreamVideo } from "./media-element";
import { RecordingStatus } from "../recording/recording-status";
import { NetworkNotices, RemoteQualityMark, SelfQualityMark } from "./quality-mark";
import { TileSizeProbe } from "./tile-size-probe";

export function CallView({
  call,
  canEnd,
  capturing = false,
  onEndRequest,
  onEnded,
  onJoined,
  children,
}: {
  call: SurveyCall;
  canEnd: boolean;
  capturing?: boolean;
  /** The page decides how the survey ends (the console asks for the driver's statement first); default: confirm and end. */
  onEndRequest?: () => void;
  onEnded?: () => void;
  onJoined?: () => void;
  children?: React.ReactNode;
}) {
  const { t } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [chatOpen, setChatOpen] = useState(false);
  const [seenChat, setSeenChat] = useState(0);

  // Stable hook for diagnostics and the browser tests.
  useEffect(() => {
    (window as unknown as { __surveyCall?: SurveyCall }).__surveyCall = call;
  }, [call]);

  useEffect(() => {
    if (s.phase === "ended") onEnded?.();
    if (s.phase === "in-call") onJoined?.();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.phase]);

  // A phone (or any narrow window): one column, chat as a sheet. Wider: chat beside the call.
  const phone = useSyncExternalStore(subscribeNarrow, isNarrow, () => false);
  const layout = phone ? "phone" : "desktop";
  // Messages that arrived while the sheet was closed.
  const unread = phone && !chatOpen ? Math.max(0, s.chat.filter((m) => m.participantId !== s.self?.participantId).length - seenChat) : 0;
  useEffect(() => {
    if (chatOpen) setSeenChat(s.chat.filter((m) => m.participantId !== s.self?.participantId).length);
  }, [chatOpen, s.chat, s.self?.participantId]);

  const inCall = s.phase === "in-call" || s.phase === "reconnecting";
  const controls = (
    <div className="controls call-controls">
      <button type="button" data-testid="toggle-mic" onClick={() => void call.toggleMic()} disabled={!inCall} aria-pressed={!s.micOn}>
        {s.micOn ? t("call.mic.off") : t("call.mic.on")}
      </button>
      <button type="button" data-testid="toggle-cam" onClick={() => void call.toggleCam()} disabled={!inCall} aria-pressed={!s.camOn}>
        {s.camOn ? t("call.cam.off") : t("call.cam.on")}
      </button>
      <button type="button" data-testid="switch-camera" onClick={() => void call.switchCamera()} disabled={!inCall}>
        {t("call.switchCamera")}
      </button>
      {phone && (
        <button type="button" data-testid="chat-open" aria-expanded={chatOpen} onClick={() => setChatOpen(!chatOpen)}>
          {t("chat.title")}
          {unread > 0 && (
            <span className="badge" data-testid="chat-unread">
              {unread}
            </span>
          )}
        </button>
      )}
      {canEnd ? (
        <button
          type="button"
          className="danger"
          data-testid="end-survey"
          disabled={!inCall}
          onClick={() => {
            if (onEndRequest) onEndRequest();
            else if (window.confirm(t("survey.endConfirm"))) void call.endSurvey();
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
  );
  return (
    <div className={`call ${layout}`} data-phase={s.phase} data-capturing={capturing ? "1" : "0"} data-testid="call">
      {s.self && <RecordingStatus call={call} role={s.self.role} />}
      {s.phase === "connecting" && <p className="banner">{t("call.connecting")}</p>}
      {/* A failed join says why and offers the retry, rather than leave an empty call on screen. The phone's page
          shows the same card itself and hides the call meanwhile. */}
      {s.phase === "error" && <CallErrorCard call={call} error={s.error} />}
      {s.phase === "reconnecting" && <p className="banner warn">{t("call.reconnecting")}</p>}
      {s.phase === "in-call" && s.mediaRecovering && <p className="banner warn" data-testid="media-recovering">{t("call.mediaRecovering")}</p>}
      {/* The driver is told about their own link only: the others' links show on their tiles' marks, and on a phone's
          small screen a banner per person would push the camera off during a capture step. Staff see everyone's. */}
      {inCall && <NetworkNotices call={call} names={Object.fromEntries(s.remotes.map((r) => [r.participantId, r.displayName]))} showPeers={s.self?.role !== "policyholder"} />}
      <div className="stage">
        <div className="remotes" data-count={s.remotes.length}>
          {s.remotes.length === 0 && inCall && <p className="waiting">{t("call.waiting")}</p>}
          {s.remotes.map((r) => (
            <figure key={r.participantId} className="tile" data-testid="remote-tile" data-role={r.role}>
              <StreamVideo stream={r.videoStream} muted data-testid="remote-video" data-role={r.role} data-participant={r.participantId} />
              <StreamAudio stream={r.audioStream} />
              <TileSizeProbe onSize={(w, h) => call.preferTileSize(r.participantId, w, h)} />
              <RemoteQualityMark call={call} participantId={r.participantId} />
              {(r.videoPaused || !r.videoStream) && <div className="tile-off">{t("call.cameraOff")}</div>}
              <figcaption data-testid="remote-name">
                {r.displayName} · {t(`role.${r.role}`)} {r.audioPaused ? "🔇" : ""}
              </figcaption>
            </figure>
          ))}
        </div>
        {/* Beside the remote tiles, never on top of them: it must not hide a name or a face. */}
        {!capturing && (
          <figure className="tile local" data-testid="local-tile">
            <StreamVideo stream={s.localStream} muted mirrored={s.facing === "user"} data-testid="local-video" />
            <figcaption>{t("call.you")}</figcaption>
            {inCall && <SelfQualityMark call={call} />}
          </figure>
        )}
      </div>
      {phone ? (
        <>
          {children}
          {controls}
        </>
      ) : (
        <>
          {controls}
          {children}
        </>
      )}
      {(!phone || chatOpen) && (
        <ChatPanel
          messages={s.chat}
          selfId={s.self?.participantId ?? null}
          onSend={(text) => call.sendChat(text)}
          disabled={!inCall}
          onClose={phone ? () => setChatOpen(false) : undefined}
        />
      )}
    </div>
  );
}

const NARROW = "(max-width: 719px), (orientation: landscape) and (max-height: 540px)";
function subscribeNarrow(onChange: () => void) {
  const q = window.matchMedia(NARROW);
  q.addEventListener("change", onChange);
  return () => q.removeEventListener("change", onChange);
}
const isNarrow = () => window.matchMedia(NARROW).matches;
