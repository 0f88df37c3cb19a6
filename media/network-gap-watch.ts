// Finds the holes a participant's network tore into their media: a producer
// that stopped receiving packets while the participant's connection was in
// trouble (ICE disconnected, an ICE restart asked for, the signalling socket
// lost). Packet counters are read, not packets timed, so a hole is known as a
// span that surely contains it: from the reading before the last one that
// saw new packets (the last packet came after it) to the first reading that
// saw packets again. The room reports each hole once media flows
// again, so the recording's continuity log can say "network" instead of
// leaving a silent stretch unexplained.
import type { types } from "mediasoup";

export interface NetworkGap {
  producerId: string;
  kind: "audio" | "video";
  /** A span that contains the hole: no packet arrived between the two (ms since epoch, SFU clock); the hole may be up to two readings shorter. */
  fromMs: number;
  toMs: number;
  /** What showed the trouble (e.g. "ice-restart", "ice-disconnected", "signalling-lost"). */
  signs: string[];
}

/**
 * How often packet counters are read while all is well (one worker request
 * per producer, a few tens of microseconds each): a hole as short as one
 * reading interval always leaves one reading without new packets, so holes
 * from half a second up are seen even before any trouble is noticed (ICE and
 * the signalling socket notice seconds late).
 */
const CALM_POLL_MS = 500;
/**
 * How often they are read while a producer has gone quiet or trouble was just
 * seen: the end of a hole is then known to a quarter second.
 */
const ALERT_POLL_MS = 250;
/**
 * Shorter silences are jitter, not a hole worth a log entry. Opus in DTX
 * still sends a packet every 400 ms, so silence alone is never enough: the
 * trouble signs are what tell a network hole from a quiet sender.
 */
const MIN_GAP_MS = 500;
/**
 * Trouble is mostly seen after a hole began (ICE and the signalling socket
 * notice late), so any sign up to the hole's end explains it. Before the
 * hole only a short slack counts: the phone's own ICE restart switches its
 * path a moment after asking. A sign from longer before belongs to an
 * earlier hole; letting it explain later silences would blame the network
 * for a sender that merely went quiet.
 */
const TROUBLE_BEFORE_HOLE_MS = 1000;
/** After trouble, read quickly this long: the hole it explains may end any moment. */
const ALERT_AFTER_TROUBLE_MS = 5000;

interface Watched {
  producer: types.Producer;
  packets: number;
  /** When a reading last saw the packet count grow. */
  lastGrowthMs: number;
  /** The reading before that one: the last packet before a hole arrived after it. */
  readingBeforeGrowthMs: number;
  /** When the last reading was taken. */
  lastReadingMs: number;
  /** Readings since the last growth that saw no new packets (a hole may have begun). */
  quietReadings: number;
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
    // Read sooner: the hole this trouble explains may end any moment.
    if (this.timer && !this.closed) this.schedule(ALERT_POLL_MS);
  }

  watch(producer: types.Producer) {
    if (this.closed) return;
    const now = Date.now();
    this.watched.set(producer.id, { producer, packets: -1, lastGrowthMs: now, readingBeforeGrowthMs: now, lastReadingMs: now, quietReadings: 0 });
    producer.observer.once("close", () => this.watched.delete(producer.id));
    if (!this.timer && !this.polling) this.schedule(CALM_POLL_MS);
  }

  private polling = false;

  /**
   * One reading at a time: a reading waits for the worker, and on a loaded
   * server two overlapping readings could compare counts out of order.
   */
  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.polling) return; // the running reading schedules the next one
    this.timer = setTimeout(() => void this.poll(), ms);
    this.timer.unref();
  }

  private async poll() {
    this.timer = null;
    this.polling = true;
    try {
      for (const w of [...this.watched.values()]) await this.read(w);
    } finally {
      this.polling = false;
    }
    if (this.closed || this.watched.size === 0) return;
    const alert = [...this.watched.values()].some((w) => w.quietReadings > 0) || this.troubleSince(Date.now() - ALERT_AFTER_TROUBLE_MS).length > 0;
    this.schedule(alert ? ALERT_POLL_MS : CALM_POLL_MS);
  }

  private async read(w: Watched) {
    if (w.producer.closed) return;
    const stats = await w.producer.getStats().catch(() => []);
    const packets = stats.reduce((n, s) => n + (s.type === "inbound-rtp" ? Number((s as { packetCount?: number }).packetCount ?? 0) : 0), 0);
    const now = Date.now();
    const previousReadingMs = w.lastReadingMs;
    w.lastReadingMs = now;
    if (w.packets < 0 || w.producer.paused) {
      // Paused: nothing is expected (the recorder logs pause/resume itself).
      w.packets = packets;
      w.lastGrowthMs = w.readingBeforeGrowthMs = now;
      w.quietReadings = 0;
      return;
    }
    if (packets <= w.packets) {
      w.quietReadings++;
      return;
    }
    // The first growth after readings that saw nothing: a hole, if it was long enough and the network was in trouble.
    if (w.quietReadings > 0 && now - w.lastGrowthMs >= MIN_GAP_MS) {
      const fromMs = w.readingBeforeGrowthMs;
      const signs = [...new Set(this.troubleSince(fromMs - TROUBLE_BEFORE_HOLE_MS).filter((t) => t.atMs <= now).map((t) => t.sign))];
      if (signs.length) this.onGap({ producerId: w.producer.id, kind: w.producer.kind, fromMs, toMs: now, signs });
    }
    w.packets = packets;
    w.readingBeforeGrowthMs = previousReadingMs;
    w.lastGrowthMs = now;
    w.quietReadings = 0;
  }

  private troubleSince(ms: number) {
    return this.trouble.filter((t) => t.atMs >= ms);
  }

  close() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watched.clear();
  }
}
