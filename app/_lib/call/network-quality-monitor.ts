// Watches this browser's links every few seconds through getStats: the
// uplink (send transport: RTT, the loss the server reports back, the
// browser's bandwidth estimate, which simulcast layers really leave), the
// downlink per remote participant (loss and bitrate of what arrives), and
// the mobile data used. It tells the server how this participant's uplink is
// (the others' tiles of us show it), keeps the others' reports, and drives
// the uplink guard. React reads it through subscribe()/snapshot().
import type { types } from "mediasoup-client";
import { assessDownlink, assessUplink, lossBetween, worst, type LinkLevel, type LinkReport } from "./network-quality";
import { SimulcastUplinkGuard, type VideoMode } from "./simulcast-uplink-guard";

export const SAMPLE_INTERVAL_MS = 2000;
/** Unchanged reports are repeated this often, so a newcomer learns them too. */
const REPORT_EVERY_MS = 10_000;

export interface PeerLinkWire {
  level: LinkLevel;
  videoMode: VideoMode;
  rttMs: number | null;
  lossPct: number | null;
  kbps: number | null;
}

export interface PeerQuality {
  /** What this browser measures on the participant's streams as they arrive. */
  received: LinkReport | null;
  /** What the participant says about their own uplink. */
  reported: PeerLinkWire | null;
  /** The tile's mark: the worse of the two. */
  level: LinkLevel | null;
}

export interface NetworkSnapshot {
  uplink: LinkReport | null;
  downlink: LinkReport | null;
  /** This participant's own mark: the worse of uplink and downlink. */
  level: LinkLevel | null;
  videoMode: VideoMode;
  /** The uplink samples that made the guard change the video mode last (why video was lowered; diagnostics and tests). */
  lastModeChange: { at: number; to: VideoMode; because: LinkReport[] } | null;
  /** Indices of the camera's simulcast layers that sent bytes in the last interval (e.g. [0, 1, 2]). */
  sentLayers: number[];
  peers: Record<string, PeerQuality>;
}

export interface MonitoredCall {
  sendTransport(): types.Transport | null;
  recvTransport(): types.Transport | null;
  consumers(): Iterable<{ consumer: types.Consumer; participantId: string }>;
  camera(): types.Producer | undefined;
  /** Sends our uplink report to the server (relayed to the others). */
  report(wire: PeerLinkWire): Promise<unknown>;
  /** Pauses or resumes the camera for the network (not the person's camera button). */
  setVideoPausedForNetwork(paused: boolean): Promise<void>;
  /** False while the person has switched the camera off: the guard then leaves it alone. */
  cameraWanted(): boolean;
}

type Stat = Record<string, unknown> & { type: string; id: string };
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function statsList(report: RTCStatsReport | undefined): Stat[] {
  const out: Stat[] = [];
  report?.forEach((s) => out.push(s as Stat));
  return out;
}

/** The candidate pair ICE uses now: through the transport stat, else the nominated succeeded one. */
function selectedPair(stats: Stat[]): Stat | undefined {
  const transport = stats.find((s) => s.type === "transport");
  const id = transport?.selectedCandidatePairId;
  return (typeof id === "string" ? stats.find((s) => s.id === id) : undefined) ?? stats.find((s) => s.type === "candidate-pair" && s.nominated === true && s.state === "succeeded");
}

function transportBytes(stats: Stat[]): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const s of stats) {
    if (s.type !== "transport") continue;
    sent += num(s.bytesSent) ?? 0;
    received += num(s.bytesReceived) ?? 0;
  }
  return { sent, received };
}

export class NetworkQualityMonitor {
  private state: NetworkSnapshot = { uplink: null, downlink: null, level: null, videoMode: "full", lastModeChange: null, sentLayers: [], peers: {} };
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private sampling = false;
  private readonly guard: SimulcastUplinkGuard;
  /** Cumulative counters of the previous sample. */
  private prev: {
    at: number;
    uplink?: { received: number; lost: number };
    inbound: Map<string, { received: number; lost: number; bytes: number }>;
    layerBytes: Map<string, number>;
  } = { at: 0, inbound: new Map(), layerBytes: new Map() };
  /** The lowest uplink round trip seen on this call's transports (the link's floor, without a queue). */
  private rttFloorMs: number | null = null;
  /** The last few uplink samples, kept for lastModeChange. */
  private recentUplink: LinkReport[] = [];
  private lastReport: { wire: PeerLinkWire; at: number } | null = null;
  /** Bytes of transports already closed (a reconnect makes new ones): the data used counts them too. */
  private closedBytes = { sent: 0, received: 0 };
  private lastBytes = { sent: 0, received: 0 };

  constructor(private readonly call: MonitoredCall) {
    this.guard = new SimulcastUplinkGuard({
      camera: () => call.camera(),
      setVideoPaused: (p) => call.setVideoPausedForNetwork(p),
      cameraWanted: () => call.cameraWanted(),
      onMode: (videoMode) => this.update({ videoMode, lastModeChange: { at: Date.now(), to: videoMode, because: [...this.recentUplink] } }),
    });
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  private update(patch: Partial<NetworkSnapshot>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  start() {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
  }

  /** Stops sampling (call torn down). The next start() begins from fresh counters; data used so far is kept. */
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closedBytes = { sent: this.closedBytes.sent + this.lastBytes.sent, received: this.closedBytes.received + this.lastBytes.received };
    this.lastBytes = { sent: 0, received: 0 };
    this.prev = { at: 0, inbound: new Map(), layerBytes: new Map() };
    this.lastReport = null;
    this.rttFloorMs = null;
    this.guard.reset();
    this.update({ uplink: null, downlink: null, level: null, videoMode: "full", lastModeChange: null, sentLayers: [], peers: {} });
  }

  /** Another participant's report of their uplink, relayed by the server. */
  onPeerReport(participantId: string, wire: PeerLinkWire) {
    const current = this.state.peers[participantId] ?? { received: null, reported: null, level: null };
    const next = { ...current, reported: wire };
    this.update({ peers: { ...this.state.peers, [participantId]: { ...next, level: worst(next.received?.level, wire.level) } } });
  }

  forgetPeer(participantId: string) {
    if (!(participantId in this.state.peers)) return;
    const peers = { ...this.state.peers };
    delete peers[participantId];
    this.update({ peers });
  }

  /** Bytes this browser sent and received over its media transports (the mobile data a call costs). */
  async dataUsage(): Promise<{ sent: number; received: number }> {
    const [send, recv] = await Promise.all([this.stats(this.call.sendTransport()), this.stats(this.call.recvTransport())]);
    const a = transportBytes(send);
    const b = transportBytes(recv);
    return { sent: this.closedBytes.sent + a.sent + b.sent, received: this.closedBytes.received + a.received + b.received };
  }

  /** Audio concealment on what arrives, per participant (for diagnostics and tests). */
  async audioConcealment(): Promise<{ participantId: string; concealedSamples: number; silentConcealedSamples: number; totalSamplesReceived: number; packetsLost: number }[]> {
    const recv = await this.stats(this.call.recvTransport());
    const byTrack = new Map([...this.call.consumers()].map((c) => [c.consumer.track.id, c]));
    return recv
      .filter((s) => s.type === "inbound-rtp" && s.kind === "audio")
      .flatMap((s) => {
        const c = byTrack.get(String(s.trackIdentifier));
        return c
          ? [{ participantId: c.participantId, concealedSamples: num(s.concealedSamples) ?? 0, silentConcealedSamples: num(s.silentConcealedSamples) ?? 0, totalSamplesReceived: num(s.totalSamplesReceived) ?? 0, packetsLost: num(s.packetsLost) ?? 0 }]
          : [];
      });
  }

  /** The camera's simulcast layers as the browser sends them now (diagnostics and tests). */
  async sentVideoLayers(): Promise<{ rid: string; frameHeight: number; bytesSent: number; qualityLimitationReason: string }[]> {
    const send = await this.stats(this.call.sendTransport());
    return send
      .filter((s) => s.type === "outbound-rtp" && s.kind === "video")
      .map((s) => ({ rid: String(s.rid ?? "-"), frameHeight: num(s.frameHeight) ?? 0, bytesSent: num(s.bytesSent) ?? 0, qualityLimitationReason: String(s.qualityLimitationReason ?? "") }))
      .sort((a, b) => a.rid.localeCompare(b.rid));
  }

  /** Height of the video received from each participant now (diagnostics and tests). */
  async receivedVideoHeights(): Promise<Record<string, number>> {
    const recv = await this.stats(this.call.recvTransport());
    const byTrack = new Map([...this.call.consumers()].map((c) => [c.consumer.track.id, c.participantId]));
    const out: Record<string, number> = {};
    for (const s of recv) {
      const pid = s.type === "inbound-rtp" && s.kind === "video" ? byTrack.get(String(s.trackIdentifier)) : undefined;
      if (pid) out[pid] = num(s.frameHeight) ?? 0;
    }
    return out;
  }

  /** The Opus parameters each received audio stream was negotiated with (useinbandfec=1: FEC on). */
  receivedAudioParameters(): { participantId: string; parameters: Record<string, unknown> }[] {
    return [...this.call.consumers()]
      .filter((c) => c.consumer.kind === "audio")
      .map((c) => ({ participantId: c.participantId, parameters: { ...(c.consumer.rtpParameters.codecs[0]?.parameters ?? {}) } }));
  }

  private async stats(t: types.Transport | null): Promise<Stat[]> {
    if (!t || t.closed) return [];
    return statsList(await t.getStats().catch(() => undefined));
  }

  private async sample() {
    if (this.sampling) return; // a slow getStats on a loaded phone: skip a beat rather than pile up
    this.sampling = true;
    try {
      await this.sampleOnce();
    } finally {
      this.sampling = false;
    }
  }

  private async sampleOnce() {
    const now = Date.now();
    const [send, recv] = await Promise.all([this.stats(this.call.sendTransport()), this.stats(this.call.recvTransport())]);
    const seconds = this.prev.at ? (now - this.prev.at) / 1000 : 0;
    const a = transportBytes(send);
    const b = transportBytes(recv);
    this.lastBytes = { sent: a.sent + b.sent, received: a.received + b.received };

    // Uplink: loss as the server reports it back (RTCP receiver reports) over what we sent.
    const sendPair = selectedPair(send);
    const outbound = send.filter((s) => s.type === "outbound-rtp");
    const remoteInbound = send.filter((s) => s.type === "remote-inbound-rtp");
    const upCounters = {
      received: outbound.reduce((n, s) => n + (num(s.packetsSent) ?? 0), 0) - remoteInbound.reduce((n, s) => n + Math.max(0, num(s.packetsLost) ?? 0), 0),
      lost: remoteInbound.reduce((n, s) => n + Math.max(0, num(s.packetsLost) ?? 0), 0),
    };
    const availableBps = num(sendPair?.availableOutgoingBitrate);
    const video = outbound.filter((s) => s.kind === "video");
    // What holds the camera back, as the encoder says (Chrome reports one reason for all layers, "cpu" before
    // "bandwidth" when both hold). Nothing else is read as a bandwidth limit: a top layer that stops or an
    // estimate that stays low can as well be a starved processor.
    const reasons = new Set(video.map((v) => v.qualityLimitationReason));
    const limitedBy = reasons.has("cpu") ? "cpu" : reasons.has("bandwidth") ? "bandwidth" : null;
    // Round trip from the server's receiver reports (RTCP) on what we send, else from ICE's own checks.
    const rtcpRtts = remoteInbound.map((s) => num(s.roundTripTime)).filter((v): v is number => v != null && v > 0);
    const rttS = rtcpRtts.length ? Math.max(...rtcpRtts) : num(sendPair?.currentRoundTripTime);
    const upRttMs = rttS != null ? Math.round(rttS * 1000) : null;
    if (upRttMs != null) this.rttFloorMs = Math.min(this.rttFloorMs ?? upRttMs, upRttMs);
    const uplink =
      send.length && sendPair
        ? assessUplink({
            rttMs: upRttMs,
            queueMs: upRttMs != null && this.rttFloorMs != null ? upRttMs - this.rttFloorMs : null,
            loss: lossBetween(this.prev.uplink, upCounters),
            kbps: availableBps != null ? Math.round(availableBps / 1000) : null,
            limitedBy,
          })
        : null;

    // Which camera layers left in the last interval (rid r0, r1, r2).
    const layerBytes = new Map<string, number>();
    const sentLayers: number[] = [];
    for (const s of outbound) {
      if (s.kind !== "video") continue;
      const key = String(s.rid ?? s.ssrc);
      const bytes = num(s.bytesSent) ?? 0;
      layerBytes.set(key, bytes);
      const before = this.prev.layerBytes.get(key);
      // Over a couple of seconds even the smallest layer sends kilobytes; a few hundred bytes are RTCP-era padding.
      if (before !== undefined && bytes - before > 1500) {
        const idx = /^r(\d+)$/.exec(String(s.rid ?? ""))?.[1];
        sentLayers.push(idx !== undefined ? Number(idx) : 0);
      }
    }
    sentLayers.sort((x, y) => x - y);

    // Downlink, per participant, from the inbound streams of their consumers.
    const recvPair = selectedPair(recv);
    const recvRtt = num(recvPair?.currentRoundTripTime);
    const byTrack = new Map([...this.call.consumers()].map((c) => [c.consumer.track.id, c.participantId]));
    const perPeer = new Map<string, { received: number; lost: number; bytes: number; prevReceived: number; prevLost: number; prevBytes: number; seen: boolean }>();
    const inbound = new Map<string, { received: number; lost: number; bytes: number }>();
    for (const s of recv) {
      if (s.type !== "inbound-rtp") continue;
      const pid = byTrack.get(String(s.trackIdentifier));
      if (!pid) continue;
      const cur = { received: num(s.packetsReceived) ?? 0, lost: Math.max(0, num(s.packetsLost) ?? 0), bytes: num(s.bytesReceived) ?? 0 };
      inbound.set(s.id, cur);
      const before = this.prev.inbound.get(s.id);
      const acc = perPeer.get(pid) ?? { received: 0, lost: 0, bytes: 0, prevReceived: 0, prevLost: 0, prevBytes: 0, seen: false };
      if (before) {
        acc.received += cur.received;
        acc.lost += cur.lost;
        acc.bytes += cur.bytes;
        acc.prevReceived += before.received;
        acc.prevLost += before.lost;
        acc.prevBytes += before.bytes;
        acc.seen = true;
      }
      perPeer.set(pid, acc);
    }
    const rttMs = recvRtt != null ? Math.round(recvRtt * 1000) : null;
    const peers: Record<string, PeerQuality> = { ...this.state.peers };
    let allReceived = { received: 0, lost: 0 };
    let allBefore = { received: 0, lost: 0 };
    for (const [pid, acc] of perPeer) {
      const current = peers[pid] ?? { received: null, reported: null, level: null };
      if (!acc.seen || seconds <= 0) {
        peers[pid] = current;
        continue;
      }
      allReceived = { received: allReceived.received + acc.received, lost: allReceived.lost + acc.lost };
      allBefore = { received: allBefore.received + acc.prevReceived, lost: allBefore.lost + acc.prevLost };
      const received = assessDownlink({
        rttMs,
        loss: lossBetween({ received: acc.prevReceived, lost: acc.prevLost }, acc),
        kbps: Math.round(((acc.bytes - acc.prevBytes) * 8) / 1000 / seconds),
      });
      peers[pid] = { ...current, received, level: worst(received.level, current.reported?.level) };
    }
    const downlink = recv.length && recvPair ? assessDownlink({ rttMs, loss: lossBetween(allBefore.received || allBefore.lost ? allBefore : undefined, allReceived), kbps: null }) : null;

    this.prev = { at: now, uplink: upCounters, inbound, layerBytes };
    if (uplink) this.recentUplink = [...this.recentUplink.slice(-3), { ...uplink }];
    const videoMode = uplink ? this.guard.observe(uplink, now) : this.state.videoMode;
    // Video lowered for the uplink: the link is poor until a step up shows otherwise.
    if (uplink && videoMode !== "full") uplink.level = "poor";
    this.update({ uplink, downlink, level: uplink || downlink ? worst(uplink?.level, downlink?.level) : null, sentLayers, peers, videoMode });
    if (uplink) this.sendReport(uplink, videoMode, now);
  }

  private sendReport(uplink: LinkReport, videoMode: VideoMode, now: number) {
    const wire: PeerLinkWire = {
      level: uplink.level,
      videoMode,
      rttMs: uplink.rttMs,
      lossPct: uplink.loss != null ? Math.round(uplink.loss * 1000) / 10 : null,
      kbps: uplink.kbps,
    };
    const last = this.lastReport;
    if (last && last.wire.level === wire.level && last.wire.videoMode === wire.videoMode && now - last.at < REPORT_EVERY_MS) return;
    this.lastReport = { wire, at: now };
    this.call.report(wire).catch(() => undefined);
  }
}
