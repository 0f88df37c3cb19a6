"use client";
// The network-quality mark on a video tile (good / fair / poor as three bars)
// with a tooltip giving the figures it comes from, and the notices shown when
// a participant's uplink has made their video give way.
import { useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import type { LinkLevel } from "../../_lib/call/network-quality";
import type { PeerQuality } from "../../_lib/call/network-quality-monitor";
import { useI18n } from "../../_i18n/i18n-provider";
import { fill } from "../../_i18n/fill";

interface Figures {
  rttMs: number | null;
  /** 0–1 */
  loss: number | null;
  kbps: number | null;
}

export function QualityMark({ level, figures, who }: { level: LinkLevel | null; figures: Figures | null; who?: string }) {
  const { t } = useI18n();
  const known = level !== null;
  const parts = figures
    ? fill(t("net.detail"), {
        rtt: figures.rttMs != null ? fill(t("net.rtt"), { ms: figures.rttMs }) : "–",
        loss: figures.loss != null ? fill(t("net.loss"), { pct: (figures.loss * 100).toFixed(1) }) : "–",
        rate: figures.kbps != null ? fill(t("net.rate"), { kbps: figures.kbps }) : "–",
      })
    : t("net.detail.unknown");
  const title = `${who ? `${who}: ` : ""}${known ? t(`net.level.${level}`) : t("net.detail.unknown")} — ${parts}`;
  return (
    <span className="quality-mark" data-testid="quality-mark" data-level={level ?? "unknown"} title={title} aria-label={title} role="img">
      <i />
      <i />
      <i />
    </span>
  );
}

/** The figures behind a remote tile's mark: whichever side (their uplink, our downlink) is worse. */
export function peerFigures(q: PeerQuality | undefined): Figures | null {
  if (!q) return null;
  const reported = q.reported ? { rttMs: q.reported.rttMs, loss: q.reported.lossPct != null ? q.reported.lossPct / 100 : null, kbps: q.reported.kbps } : null;
  if (reported && q.level === q.reported?.level) return reported;
  return q.received ?? reported;
}

export function RemoteQualityMark({ call, participantId }: { call: SurveyCall; participantId: string }) {
  const n = useSyncExternalStore(call.network.subscribe, call.network.snapshot, call.network.snapshot);
  const q = n.peers[participantId];
  return <QualityMark level={q?.level ?? null} figures={peerFigures(q)} />;
}

export function SelfQualityMark({ call }: { call: SurveyCall }) {
  const { t } = useI18n();
  const n = useSyncExternalStore(call.network.subscribe, call.network.snapshot, call.network.snapshot);
  const up = n.uplink;
  const figures = up ? { rttMs: up.rttMs, loss: worstLoss(up.loss, n.downlink?.loss ?? null), kbps: up.kbps } : null;
  return <QualityMark level={n.level} figures={figures} who={t("net.mark.self")} />;
}

function worstLoss(a: number | null, b: number | null): number | null {
  return a == null ? b : b == null ? a : Math.max(a, b);
}

/** Banners when video gives way to a weak uplink: ours (to us) and, with `showPeers`, the others' (naming them). */
export function NetworkNotices({ call, names, showPeers = true }: { call: SurveyCall; names: Record<string, string>; showPeers?: boolean }) {
  const { t } = useI18n();
  const n = useSyncExternalStore(call.network.subscribe, call.network.snapshot, call.network.snapshot);
  return (
    <>
      {n.videoMode !== "full" && (
        <p className="banner warn" data-testid="net-self-notice" data-mode={n.videoMode} role="status">
          {t(n.videoMode === "low" ? "net.self.low" : "net.self.audioOnly")}
        </p>
      )}
      {Object.entries(n.peers).map(([pid, q]) =>
        showPeers && q.reported && q.reported.videoMode !== "full" && names[pid] !== undefined ? (
          <p key={pid} className="banner warn" data-testid="net-peer-notice" data-participant={pid} data-mode={q.reported.videoMode} role="status">
            {fill(t(q.reported.videoMode === "low" ? "net.peer.low" : "net.peer.audioOnly"), { name: names[pid]! })}
          </p>
        ) : null,
      )}
    </>
  );
}
