// Good / fair / poor from what WebRTC's getStats says about a link: round trip,
// packet loss and bitrate. Pure functions over numbers, so the thresholds live
// in one place and are tested without a browser.
import { CAMERA_LAYERS } from "../../../media/simulcast-layers";

export type LinkLevel = "good" | "fair" | "poor";

/** What one side of a link measured over the last few seconds. */
export interface LinkSample {
  /** Round trip to the server (ICE candidate pair), ms. */
  rttMs: number | null;
  /** Share of packets lost (0–1) in the last interval. */
  loss: number | null;
  /** Sending: the browser's bandwidth estimate (availableOutgoingBitrate); receiving: the bitrate received (kbit/s). */
  kbps: number | null;
  /**
   * Sending only: what the browser says holds the camera back (outbound-rtp
   * qualityLimitationReason). "bandwidth": the estimate does (a layer stopped
   * or shrunk for it) - a weak uplink. "cpu": the phone's processor cannot
   * encode more - not the network, and on a starved machine the estimate and
   * the round trip are distorted by the same starvation. Absent: nothing holds
   * the video back, so a low estimate is the estimator idling, not a weak link.
   */
  limitedBy?: "bandwidth" | "cpu" | null;
  /**
   * Sending only: how far the round trip now stands above the lowest seen on
   * this link (ms) - the queue a bottleneck builds. A starved machine also makes
   * the browser's estimator back off (it reads late arrivals as congestion) and
   * say "bandwidth", but builds no queue and loses nothing.
   */
  queueMs?: number | null;
}

export interface LinkReport extends LinkSample {
  level: LinkLevel;
}

const RANK: Record<LinkLevel, number> = { good: 0, fair: 1, poor: 2 };

export const THRESHOLDS = {
  rttMs: { fair: 250, poor: 500 },
  loss: { fair: 0.02, poor: 0.08 },
  /**
   * Uplink estimate: below the two lower layers plus audio the picture is the
   * thumbnail layer at best (poor); below all three layers it is not the full
   * picture (fair).
   */
  uplinkKbps: {
    poor: (CAMERA_LAYERS[0]!.maxBitrate + CAMERA_LAYERS[1]!.maxBitrate) / 1000 + 150,
    fair: CAMERA_LAYERS.reduce((n, l) => n + l.maxBitrate, 0) / 1000 - 60,
  },
} as const;

export function worst(...levels: (LinkLevel | null | undefined)[]): LinkLevel {
  return levels.reduce<LinkLevel>((w, l) => (l && RANK[l] > RANK[w] ? l : w), "good");
}

function byRttAndLoss(s: LinkSample): LinkLevel {
  const rtt: LinkLevel = s.rttMs == null ? "good" : s.rttMs > THRESHOLDS.rttMs.poor ? "poor" : s.rttMs > THRESHOLDS.rttMs.fair ? "fair" : "good";
  const loss: LinkLevel = s.loss == null ? "good" : s.loss > THRESHOLDS.loss.poor ? "poor" : s.loss > THRESHOLDS.loss.fair ? "fair" : "good";
  return worst(rtt, loss);
}

/**
 * The sending side: RTT and loss as the server's receiver reports give them
 * back (remote-inbound-rtp), and the estimate of what the uplink carries. The
 * estimate counts only when the browser says it holds the video back; while
 * the encoder is starved of CPU it counts only if the round trip or the loss
 * show trouble of their own (a starved phone on a good network stays good).
 */
export function assessUplink(s: LinkSample): LinkReport {
  const network = byRttAndLoss(s);
  const judgeEstimate = estimateIsTheNetwork(s, network);
  const bw: LinkLevel = s.kbps == null || !judgeEstimate ? "good" : s.kbps < THRESHOLDS.uplinkKbps.poor ? "poor" : s.kbps < THRESHOLDS.uplinkKbps.fair ? "fair" : "good";
  return { ...s, level: worst(network, bw) };
}

/** The estimate is below even the smallest layer and sound, and the network is what holds the video back. */
export function uplinkCannotCarryVideo(s: LinkReport, kbpsBelow: number, lossAbove: number): boolean {
  if (s.loss != null && s.loss > lossAbove) return true;
  return s.kbps != null && s.kbps < kbpsBelow && estimateIsTheNetwork(s, byRttAndLoss(s));
}

/** Signs of a bottleneck of the network's own beside a "bandwidth" limit: a queue (RTT above its floor) or lost packets. */
export const BOTTLENECK = { queueMs: 40, loss: 0.01 } as const;

function estimateIsTheNetwork(s: LinkSample, network: LinkLevel): boolean {
  const bottleneck = (s.queueMs != null && s.queueMs >= BOTTLENECK.queueMs) || (s.loss != null && s.loss >= BOTTLENECK.loss);
  return (s.limitedBy === "bandwidth" && bottleneck) || (s.limitedBy === "cpu" && network !== "good");
}

/** The receiving side: RTT and the loss seen on what arrives (the received bitrate is reported, not judged: a small tile needs little). */
export function assessDownlink(s: LinkSample): LinkReport {
  return { ...s, level: byRttAndLoss(s) };
}

/** Loss share over an interval from cumulative counters (null when nothing was expected). */
export function lossBetween(before: { received: number; lost: number } | undefined, now: { received: number; lost: number }): number | null {
  if (!before) return null;
  const received = now.received - before.received;
  const lost = Math.max(0, now.lost - before.lost);
  const expected = received + lost;
  return expected > 0 ? lost / expected : null;
}
