"use client";
// Playback of a closed survey for the agent who ran it and for auditors: all
// recorded tracks in sync on one clock, and the timeline (joins, consent,
// guides, photos with thumbnails, chat) as markers to jump to.
import { useQuery } from "@tanstack/react-query";
import { use, useEffect, useMemo, useRef, useState } from "react";
import type { RouterOutputs } from "../../../_lib/trpc-client";
import { useTRPC } from "../../../_lib/trpc-react";
import { useStaff } from "../../../_lib/use-staff";
import { useI18n } from "../../../_i18n/i18n-provider";
import type { MessageKey } from "../../../_i18n/messages";
import { StaffTopbar } from "../../../_components/staff-topbar";
import { syncTracks, type ClockedTrack } from "../../../_lib/playback/playback-clock";

type Row = RouterOutputs["recordings"]["list"][number];
type Marker = RouterOutputs["recordings"]["timeline"][number];

/** The tracks that can be played: stored and no longer recording. (Kept out of the component: the same function keeps the same answer.) */
const playable = (rows: Row[]) => rows.filter((x) => x.storageKey && x.status !== "recording");
const NO_MARKERS: Marker[] = [];

export default function PlaybackPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const me = useStaff();
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  // Read once the staff member is known.
  const list = useQuery(trpc.recordings.list.queryOptions({ surveyId: id }, { enabled: Boolean(me), select: playable }));
  const rows = list.data ?? null;
  // Without the timeline the page still plays the tracks.
  const markers = useQuery(trpc.recordings.timeline.queryOptions({ surveyId: id }, { enabled: Boolean(me) })).data ?? NO_MARKERS;
  const [position, setPosition] = useState(0);
  const [playing, setPlaying] = useState(false);
  const elements = useRef(new Map<string, HTMLMediaElement>());
  const clock = useRef({ base: 0, startedAt: 0 });

  const span = useMemo(() => {
    if (!rows || rows.length === 0) return null;
    const t0 = Math.min(...rows.map((r) => new Date(r.startedAt).getTime()));
    const t1 = Math.max(...rows.map((r) => new Date(r.endedAt ?? r.startedAt).getTime()));
    return { t0, length: Math.max(0.1, (t1 - t0) / 1000) };
  }, [rows]);

  const tracks = (): ClockedTrack[] =>
    (rows ?? []).flatMap((r) => {
      const el = elements.current.get(r.id);
      if (!el || !span) return [];
      return [{ el, offset: (new Date(r.startedAt).getTime() - span.t0) / 1000, duration: (r.durationMs ?? 0) / 1000 }];
    });

  // The master clock runs in real time while playing; every element follows it.
  useEffect(() => {
    let raf = 0;
    const tick = () => {
      if (playing && span) {
        const now = clock.current.base + (performance.now() - clock.current.startedAt) / 1000;
        if (now >= span.length) setPlaying(false);
        setPosition(Math.min(now, span.length));
      }
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, span]);
  useEffect(() => syncTracks(tracks(), position, playing));

  function seek(to: number) {
    clock.current = { base: to, startedAt: performance.now() };
    setPosition(to);
  }
  function toggle() {
    clock.current = { base: position, startedAt: performance.now() };
    setPlaying(!playing);
  }
  // Times count from the first recording, or from the first event when nothing was recorded.
  const origin = span?.t0 ?? (markers[0] ? new Date(markers[0].at).getTime() : 0);
  const at = (iso: string | Date) => (new Date(iso).getTime() - origin) / 1000;
  // A person by name and role; an event no person caused is the system's.
  const actorText = (m: Marker) =>
    m.actor ? `${m.actor}${m.actorRole && ["agent", "policyholder", "adjuster", "auditor", "admin"].includes(m.actorRole) ? ` (${t(`role.${m.actorRole}` as MessageKey)})` : ""}` : t("playback.actor.system");
  const itemText = (m: Marker) => m.itemLabel?.[locale] ?? t("capture.unknownItem");
  const fmt = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

  const videos = (rows ?? []).filter((r) => r.kind === "video");
  const audios = (rows ?? []).filter((r) => r.kind === "audio");
  return (
    <>
      <StaffTopbar me={me} />
      <main className="page">
        <h2>{t("playback.title")}</h2>
        {list.isError && <p className="error" role="alert">{t("common.error")}</p>}
        {rows && rows.length === 0 && <p className="muted">{t("playback.none")}</p>}
        {span && (
          <>
            <div className="playback-grid">
              {videos.map((r) => (
                <figure key={r.id} className="tile playback-tile">
                  <video
                    ref={(el) => void (el ? elements.current.set(r.id, el) : elements.current.delete(r.id))}
                    src={`/api/recordings/${r.id}/media`}
                    muted
                    playsInline
                    preload="auto"
                    data-testid="playback-video"
                    data-role={r.role}
                  />
                  <div className="tile-off playback-off">{t("playback.notRecording")}</div>
                  <figcaption>{r.displayName} · {t(`role.${r.role}` as MessageKey)}</figcaption>
                </figure>
              ))}
              {audios.map((r) => (
                <audio key={r.id} ref={(el) => void (el ? elements.current.set(r.id, el) : elements.current.delete(r.id))} src={`/api/recordings/${r.id}/media`} preload="auto" data-testid="playback-audio" data-role={r.role} />
              ))}
            </div>
            <div className="controls" style={{ alignItems: "center" }}>
              <button type="button" className="primary" data-testid="playback-play" onClick={toggle}>
                {playing ? t("playback.pause") : t("playback.play")}
              </button>
              <span data-testid="playback-position">{fmt(position)} / {fmt(span.length)}</span>
            </div>
            <div className="timeline-bar">
              <input type="range" min={0} max={span.length} step={0.1} value={position} onChange={(e) => seek(Number(e.target.value))} data-testid="playback-seek" aria-label={t("playback.position")} />
              {markers.map((m) => (
                <button
                  key={m.seq}
                  type="button"
                  className={`marker marker-${m.type.replace(".", "-")}`}
                  style={{ left: `${Math.max(0, Math.min(100, (at(m.at) / span.length) * 100))}%` }}
                  title={`${fmt(Math.max(0, at(m.at)))} ${t(`playback.event.${m.type}` as MessageKey)}`}
                  onClick={() => seek(Math.max(0, at(m.at)))}
                />
              ))}
            </div>
          </>
        )}
        {/* The timeline stands on its own: a survey without recordings still has one. */}
        <ol className="timeline-list">
          {markers.map((m) => (
            <li key={m.seq} data-testid="playback-marker" data-type={m.type}>
              <button type="button" className="link-button" onClick={() => seek(Math.max(0, at(m.at)))}>
                {fmt(Math.max(0, at(m.at)))}
              </button>{" "}
              {t(`playback.event.${m.type}` as MessageKey)} · <span data-testid="marker-actor">{actorText(m)}</span>
              {m.type === "chat.message" && typeof m.payload.text === "string" && <> — “{m.payload.text}”</>}
              {m.type === "recording.consent" && <> — {t(m.payload.accepted ? "playback.consent.accepted" : "playback.consent.refused")}</>}
              {m.type === "guide.pushed" && <> — {itemText(m)}</>}
              {(m.type === "capture.assessed" || m.type === "capture.overridden") && typeof m.payload.captureId === "string" && (
                <>
                  {" "}— {itemText(m)} · {t(m.type === "capture.overridden" ? "capture.state.overridden" : m.payload.verdict === "rejected" ? "capture.state.rejected" : "capture.state.accepted")}{" "}
                  <img src={`/api/captures/${m.payload.captureId}/thumb`} alt="" className="marker-thumb" />
                </>
              )}
            </li>
          ))}
        </ol>
      </main>
    </>
  );
}
