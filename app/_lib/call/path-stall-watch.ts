// Notices a media path that went dead before the browser's ICE does. When the
// phone's address vanishes (Wi-Fi → 4G) or its link drops, Chromium declares
// the connection "disconnected" only after its consent checks have gone
// unanswered for several seconds (6 s were seen in tests/network/recovery.test.ts);
// the person waits all that time. A transport that should be receiving all the
// time (the SFU's feedback on the video being sent; the others' media on the
// receiving side) and has received nothing for STALL_MS is broken now: its
// recovery (ice-recovery.ts) can start at once.
//
// A false alarm costs one ICE restart on a healthy path, which the browser
// makes without interrupting media; a missed one costs the person seconds of
// a frozen call. That decides the balance. One false alarm is certain and is
// left out: when another party's network dies, everyone else's receiving side
// goes quiet too; while the SFU's feedback on our own video still arrives, our
// path is fine and that silence is theirs (the agent's page restarted ICE over
// and over through a driver's 20 s blackout before).
import type { types } from "mediasoup-client";

/** Reading interval: a dead path is seen within STALL_MS plus one reading. */
const READ_MS = 500;
/**
 * Nothing received for this long on a transport that expects traffic: broken.
 * Video feedback (transport-cc) comes every ~100 ms, Opus with DTX sends at
 * least every 400 ms, RTCP reports at least every second.
 */
const STALL_MS = 2000;

export interface PathStallDeps {
  /** Whether this transport should be receiving now (something live flows towards it, or feedback on what it sends). */
  expectsTraffic: (transport: types.Transport) => boolean;
  /** Nothing arrived for STALL_MS although traffic was expected and ICE still says connected. */
  onStall: (transport: types.Transport) => void;
  /** Bytes arrive again on a transport reported stalled. */
  onFlowing: (transport: types.Transport) => void;
}

interface Watched {
  transport: types.Transport;
  bytes: number;
  /** Since when nothing new arrived while traffic was expected (ms, performance.now()). */
  quietSince: number | null;
  stalled: boolean;
}

export class PathStallWatch {
  private readonly watched = new Map<string, Watched>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly deps: PathStallDeps) {}

  watch(transport: types.Transport) {
    this.watched.set(transport.id, { transport, bytes: -1, quietSince: null, stalled: false });
    transport.observer.on("close", () => this.watched.delete(transport.id));
    this.timer ??= setTimeout(() => void this.read(), READ_MS);
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watched.clear();
  }

  private async read() {
    const now = () => performance.now();
    // Read every transport first: whether a receiving transport's silence counts depends on the sending one.
    const grewNow = new Map<Watched, boolean>();
    for (const w of [...this.watched.values()]) {
      if (w.transport.closed) continue;
      const bytes = await received(w.transport).catch(() => null);
      if (bytes === null || this.stopped) continue;
      grewNow.set(w, bytes > w.bytes);
      w.bytes = Math.max(w.bytes, bytes);
    }
    // The SFU's feedback on our own video still arrives: the path to the SFU works. A receiving
    // transport that hears nothing then waits for another party whose own network failed (their
    // media stopped at the SFU); restarting our ICE would not bring it back, and repeated
    // restarts on a healthy path only disturb it.
    const pathVouchedFor = [...grewNow].some(([w, grew]) => grew && w.transport.direction === "send" && this.deps.expectsTraffic(w.transport));
    for (const [w, grew] of grewNow) {
      if (grew) {
        w.quietSince = null;
        if (w.stalled) {
          w.stalled = false;
          this.deps.onFlowing(w.transport);
        }
        continue;
      }
      // Only a silence while traffic was expected and ICE looked fine counts; ICE's own "disconnected" is handled by ice-recovery.
      if (w.transport.direction === "recv" && pathVouchedFor) {
        w.quietSince = null;
        // Declared stalled before the feedback was seen again: the path is fine, end its recovery.
        if (w.stalled) {
          w.stalled = false;
          this.deps.onFlowing(w.transport);
        }
        continue;
      }
      if (!this.deps.expectsTraffic(w.transport) || w.transport.connectionState !== "connected") {
        w.quietSince = null;
        continue;
      }
      w.quietSince ??= now();
      if (!w.stalled && now() - w.quietSince >= STALL_MS) {
        w.stalled = true;
        this.deps.onStall(w.transport);
      }
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.read(), READ_MS);
  }
}

/** Bytes received on the transport's ICE transport (media, RTCP feedback, DTLS), from its stats. */
async function received(transport: types.Transport): Promise<number> {
  const stats = await transport.getStats();
  let bytes = 0;
  stats.forEach((s: { type: string; bytesReceived?: number }) => {
    if (s.type === "transport") bytes += Number(s.bytesReceived ?? 0);
  });
  return bytes;
}
