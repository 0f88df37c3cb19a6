// Brings a broken media connection back without the person doing anything:
// when a transport's connection goes "disconnected" or "failed" (a dead spot,
// Wi-Fi → 4G, a new address) the server is asked for fresh ICE parameters
// (restartIce) and the browser restarts ICE with them, again and again until
// the transport is connected or closed. If the signalling socket does not
// answer, the socket is suspect: the call reconnects it (and resumes the same
// session) and then kicks the recovery, which tries at once — or uses the ICE
// parameters the resume already brought, saving a round trip.
//
// Recovery time is what the person waits for once the link is back, so every
// wait here is cut short by whatever says the link may be back (kick: a socket
// resumed, the browser's "online"); pauses only space out attempts while
// nothing has changed. No attempt limit decides correctness: a slow answer is
// waited for longer each time, and attempts never stop while the call lives.
import type { types } from "mediasoup-client";

export interface RestartAnswer {
  iceParameters: unknown;
  iceServers?: RTCIceServer[];
}

export interface IceRecoveryDeps {
  /** Asks the server to restart ICE on its side of this transport; rejects if signalling is down or no answer came within `answerWithinMs`. */
  requestRestart: (transportId: string, answerWithinMs: number) => Promise<RestartAnswer>;
  /** A restart request went unanswered: the socket may be dead although it looks open. */
  onSignallingSuspect: () => void;
  /** True while any transport is being recovered (the page shows "restoring the call"). */
  onRecovering: (recovering: boolean) => void;
  /** A step of a recovery, for diagnostics (bench/network/recovery.ts reads where the time goes). */
  trace?: (step: string) => void;
}

// Quick first tries (a restart takes one round trip), then a pause that grows to a few seconds.
const RETRY_DELAYS_MS = [0, 300, 600, 1000, 2000];
const MAX_RETRY_DELAY_MS = 3000;
/**
 * How long a restart's answer is awaited before the socket is suspected, in turn:
 * short first (on a live socket it takes one round trip, and a dead one should be
 * replaced quickly), longer each time so a slow, loaded server still gets through.
 */
const ANSWER_LIMITS_MS = [1500, 4000, 10_000, 20_000];
/**
 * After a restart, wait this long for ICE to connect before restarting again,
 * longer after each restart that did not connect (a path through TURN over TLS
 * on a loaded machine takes a while, and a new restart would cut it off). A
 * connect or a kick ends the wait early.
 */
const CONNECT_WAITS_MS = [4000, 8000, 15_000, 30_000];

interface Entry {
  transport: types.Transport;
  running: boolean;
  /** Resolves the current pause early (kick). */
  wake: (() => void) | null;
  /** Kicked while not pausing: skip the next pause. */
  hurry: boolean;
  /** Restart parameters that came with a resume: used instead of asking again. */
  ready: RestartAnswer | null;
  /** Unanswered restart requests in this recovery (chooses the next answer limit). */
  unanswered: number;
  /** Nothing arrives although ICE still says connected (path-stall-watch.ts): broken until bytes flow again. */
  stalled: boolean;
}

export class IceRecovery {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(private readonly deps: IceRecoveryDeps) {
    // The device has a network again (Wi-Fi back, a switch to 4G): do not wait out a pause.
    if (typeof window !== "undefined") window.addEventListener("online", this.onOnline);
  }

  private readonly onOnline = () => {
    this.deps.trace?.("browser online");
    this.kick();
  };

  watch(transport: types.Transport) {
    const entry: Entry = { transport, running: false, wake: null, hurry: false, ready: null, unanswered: 0, stalled: false };
    this.entries.set(transport.id, entry);
    transport.on("connectionstatechange", (state) => {
      this.deps.trace?.(`${transport.direction} ${state}`);
      if (state === "disconnected" || state === "failed") void this.recover(entry);
      // A stalled path that says "connected" again is not back until bytes arrive (flowing wakes it then):
      // waking it now would restart ICE a second time on a path that is just coming up.
      if (state === "connected" && !entry.stalled) entry.wake?.();
    });
    transport.observer.on("close", () => {
      this.entries.delete(transport.id);
      entry.wake?.();
      this.report();
    });
  }

  /** Transports whose connection is broken now, or restarted and not yet connected (a resume brings their restart parameters along). */
  brokenTransportIds(): string[] {
    return [...this.entries.values()].filter((e) => this.unrecovered(e)).map((e) => e.transport.id);
  }

  /** Restart parameters the server sent with a resume: applied at once, without another round trip. */
  provide(transportId: string, answer: RestartAnswer) {
    const entry = this.entries.get(transportId);
    if (!entry) return;
    entry.ready = answer;
    this.kickEntry(entry);
    // The server's side is restarted already: the page's side must follow even if its state looks settled.
    if (!entry.running && !entry.transport.closed) void this.recover(entry, true);
  }

  /**
   * The path died before ICE noticed (nothing arrives, the state still says
   * connected): recover now instead of waiting seconds for "disconnected".
   */
  stalled(transportId: string) {
    const entry = this.entries.get(transportId);
    if (!entry || entry.transport.closed) return;
    this.deps.trace?.(`${entry.transport.direction} stalled`);
    entry.stalled = true;
    if (!entry.running) void this.recover(entry);
  }

  /** Bytes arrive again on a transport that had stalled: whatever recovery runs for it may end. */
  flowing(transportId: string) {
    const entry = this.entries.get(transportId);
    if (!entry?.stalled) return;
    this.deps.trace?.(`${entry.transport.direction} flowing again`);
    entry.stalled = false;
    entry.wake?.();
  }

  /** The signalling socket is back (or the browser says it is online): try every broken transport now instead of after the pause. */
  kick() {
    for (const e of this.entries.values()) this.kickEntry(e);
  }

  private kickEntry(e: Entry) {
    if (e.wake) e.wake();
    else e.hurry = true;
    if (!e.running && this.unrecovered(e)) void this.recover(e);
  }

  stop() {
    this.stopped = true;
    if (typeof window !== "undefined") window.removeEventListener("online", this.onOnline);
    for (const e of this.entries.values()) e.wake?.();
    this.entries.clear();
    this.report();
  }

  private report() {
    this.deps.onRecovering([...this.entries.values()].some((e) => e.running));
  }

  private broken(t: types.Transport) {
    return !t.closed && (t.connectionState === "disconnected" || t.connectionState === "failed");
  }

  private brokenEntry(e: Entry) {
    return this.broken(e.transport) || (e.stalled && !e.transport.closed);
  }

  /**
   * Broken, or restarted and not connected yet: after a restart the state is
   * "connecting" until the checks succeed, and stays so when they cannot (the
   * restart gathered on an address that was already gone): that is not recovered.
   */
  private unrecovered(e: Entry) {
    return this.brokenEntry(e) || (e.running && !e.transport.closed && e.transport.connectionState !== "connected");
  }

  private pause(entry: Entry, ms: number) {
    if (entry.hurry) {
      entry.hurry = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        entry.wake = null;
        resolve();
      }
      entry.wake = done;
    });
  }

  private async answer(entry: Entry): Promise<RestartAnswer | null> {
    if (entry.ready) {
      const ready = entry.ready;
      entry.ready = null;
      return ready;
    }
    const limit = ANSWER_LIMITS_MS[Math.min(entry.unanswered, ANSWER_LIMITS_MS.length - 1)]!;
    try {
      const answer = await this.deps.requestRestart(entry.transport.id, limit);
      entry.unanswered = 0;
      return answer;
    } catch (err) {
      // Unanswered: the socket is probably dead (its network is gone). Closed: the call is reconnecting it already.
      if ((err as { code?: string })?.code === "TIMEOUT") {
        entry.unanswered += 1;
        this.deps.trace?.(`${entry.transport.direction} restart unanswered in ${limit} ms`);
        this.deps.onSignallingSuspect();
      }
      return null;
    }
  }

  private async recover(entry: Entry, provided = false) {
    if (entry.running || this.stopped) return;
    if (!provided && !this.brokenEntry(entry)) return;
    entry.running = true;
    entry.unanswered = 0;
    this.report();
    const direction = entry.transport.direction;
    let restarts = 0;
    try {
      for (let attempt = 0; !this.stopped && (entry.ready || this.unrecovered(entry)); attempt++) {
        await this.pause(entry, RETRY_DELAYS_MS[attempt] ?? MAX_RETRY_DELAY_MS);
        if (this.stopped || !(entry.ready || this.unrecovered(entry))) break;
        const answer = await this.answer(entry);
        if (!answer) continue;
        if (entry.transport.closed) break;
        // Fresh TURN credentials first, so a restart through TURN never runs on an expired one.
        if (answer.iceServers?.length) await entry.transport.updateIceServers({ iceServers: answer.iceServers }).catch(() => undefined);
        await entry.transport.restartIce({ iceParameters: answer.iceParameters as types.IceParameters }).catch(() => undefined);
        this.deps.trace?.(`${direction} ICE restarted`);
        // A kick that came while this restart was on its way is answered by it.
        entry.hurry = false;
        // Connected (connectionstatechange) or a kick ends the wait early; then straight to the next try.
        // A stalled path may keep saying "connected" while the restart works: wait for bytes (flowing) the same way.
        if (entry.transport.connectionState !== "connected" || entry.stalled) await this.pause(entry, CONNECT_WAITS_MS[Math.min(restarts, CONNECT_WAITS_MS.length - 1)]!);
        restarts += 1;
        attempt = -1;
      }
    } finally {
      entry.running = false;
      entry.ready = null;
      this.report();
    }
  }
}
