// Finds the holes a participant's network tore into their media: a producer
// that stopped receiving packets while the participant's connection was in
// trouble (ICE disconnected, an ICE restart asked for, the signalling socket
// lost), measured from the last packet before the silence to the first one
// after it. The room reports each hole once media flows again, so the
// recording's continuity log can say "network" instead of leaving a silent
// stretch unexplained.
import type { types } from "mediasoup";

export interface NetworkGap {
  producerId: string;
  kind: "audio" | "video";
  /** Last packet before the hole and first packet after it (ms since epoch, SFU clock). */
  fromMs: number;
  toMs: number;
  /** What showed the trouble (e.g. "ice-restart", "ice-disconnected", "signalling-lost"). */
  signs: string[];
}

/** How often producer packet counters are read (one worker request per producer). */
const POLL_MS = 1000;
/** Shorter silences are jitter, a paused encoder or DTX, not a hole worth a log entry. */
const MIN_GAP_MS = 1500;
/** Trouble seen this long before the silence began still explains it (ICE notices late). */
const TROUBLE_SLACK_MS = 5000;

interface Watched {
  producer: types.Producer;
  packets: number;
  /** When the packet count last grew. */
  lastGrowthMs: number;
}

export class NetworkGapWatch {
  private readonly watched = new Map<string, Watched>();
  private readonly trouble: { atMs: number; sign: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly onGap: (gap: NetworkGap) => void) {}

  /** Something showed this participant's connection in trouble now. */
  troubleSeen(sign: string, atMs = Date.now()) {
    this.trouble.push({ atMs, sign });
    // Keep only what can still explain a hole (the longest drop that recovers is minutes).
    const keepFrom = atMs - 10 * 60_000;
    while (this.trouble.length && this.trouble[0]!.atMs < keepFrom) this.trouble.shift();
  }

  watch(producer: types.Producer) {
    if (this.closed) return;
    this.watched.set(producer.id, { producer, packets: -1, lastGrowthMs: Date.now() });
    producer.observer.once("close", () => this.watched.delete(producer.id));
    this.timer ??= setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  private async poll() {
    for (const w of [...this.watched.values()]) {
      if (w.producer.closed) continue;
      const stats = await w.producer.getStats().catch(() => []);
      const packets = stats.reduce((n, s) => n + (s.type === "inbound-rtp" ? Number((s as { packetCount?: number }).packetCount ?? 0) : 0), 0);
      const now = Date.now();
      if (w.packets < 0 || w.producer.paused) {
        // Paused: nothing is expected (the recorder logs pause/resume itself).
        w.packets = packets;
        w.lastGrowthMs = now;
        continue;
      }
      if (packets <= w.packets) continue;
      const silentMs = now - w.lastGrowthMs;
      // The first growth after a silence: the hole ran from about one poll after the last growth until now.
      if (silentMs >= MIN_GAP_MS + POLL_MS) {
        const fromMs = w.lastGrowthMs;
        const signs = [...new Set(this.trouble.filter((t) => t.atMs >= fromMs - TROUBLE_SLACK_MS && t.atMs <= now).map((t) => t.sign))];
        if (signs.length) this.onGap({ producerId: w.producer.id, kind: w.producer.kind, fromMs, toMs: now, signs });
      }
      w.packets = packets;
      w.lastGrowthMs = now;
    }
  }

  close() {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watched.clear();
  }
}
