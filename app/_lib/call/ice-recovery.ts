// Brings a broken media connection back without the person doing anything:
// when a transport's connection goes "disconnected" or "failed" (a dead spot,
// Wi-Fi → 4G, a new address) the server is asked for fresh ICE parameters
// (restartIce) and the browser restarts ICE with them, again and again with a
// growing pause until the transport is connected or closed. If the signalling
// socket does not answer, the socket is suspect: the call reconnects it (and
// resumes the same session) and then kicks the recovery to try at once.
import type { types } from "mediasoup-client";

export interface IceRecoveryDeps {
  /** Asks the server to restart ICE on its side of this transport; rejects if signalling is down. */
  requestRestart: (transportId: string) => Promise<{ iceParameters: unknown; iceServers?: RTCIceServer[] }>;
  /** A restart request went unanswered: the socket may be dead although it looks open. */
  onSignallingSuspect: () => void;
  /** True while any transport is being recovered (the page shows "restoring the call"). */
  onRecovering: (recovering: boolean) => void;
}

// Quick first tries (a restart takes one round trip), then a pause that grows to a few seconds.
const RETRY_DELAYS_MS = [0, 500, 1000, 2000, 3000];
const MAX_RETRY_DELAY_MS = 4000;
/** Wait this long for a restart to connect before trying again (ICE checks, DTLS stays). */
const CONNECT_WAIT_MS = 6000;

interface Entry {
  transport: types.Transport;
  running: boolean;
  /** Resolves the current back-off pause early (kick). */
  wake: (() => void) | null;
}

export class IceRecovery {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(private readonly deps: IceRecoveryDeps) {}

  watch(transport: types.Transport) {
    const entry: Entry = { transport, running: false, wake: null };
    this.entries.set(transport.id, entry);
    transport.on("connectionstatechange", (state) => {
      if (state === "disconnected" || state === "failed") void this.recover(entry);
      if (state === "connected") entry.wake?.();
    });
    transport.observer.on("close", () => {
      this.entries.delete(transport.id);
      entry.wake?.();
      this.report();
    });
  }

  /** The signalling socket is back: try every broken transport now instead of after the pause. */
  kick() {
    for (const e of this.entries.values()) e.wake?.();
  }

  stop() {
    this.stopped = true;
    this.kick();
    this.entries.clear();
    this.report();
  }

  private report() {
    this.deps.onRecovering([...this.entries.values()].some((e) => e.running));
  }

  private broken(t: types.Transport) {
    return !t.closed && (t.connectionState === "disconnected" || t.connectionState === "failed");
  }

  private pause(entry: Entry, ms: number) {
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

  private async recover(entry: Entry) {
    if (entry.running || this.stopped) return;
    entry.running = true;
    this.report();
    try {
      for (let attempt = 0; !this.stopped && this.broken(entry.transport); attempt++) {
        await this.pause(entry, RETRY_DELAYS_MS[attempt] ?? MAX_RETRY_DELAY_MS);
        if (this.stopped || !this.broken(entry.transport)) break;
        let iceParameters: unknown;
        let iceServers: RTCIceServer[] | undefined;
        try {
          ({ iceParameters, iceServers } = await this.deps.requestRestart(entry.transport.id));
        } catch (err) {
          // Unanswered: the socket is probably dead (its network is gone). Closed: the call is reconnecting it already.
          if ((err as { code?: string })?.code === "TIMEOUT") this.deps.onSignallingSuspect();
          continue;
        }
        if (entry.transport.closed) break;
        // Fresh TURN credentials first, so a restart through TURN never runs on an expired one.
        if (iceServers?.length) await entry.transport.updateIceServers({ iceServers }).catch(() => undefined);
        await entry.transport.restartIce({ iceParameters: iceParameters as types.IceParameters }).catch(() => undefined);
        // Connected ends the pause early (connectionstatechange wakes it).
        if (this.broken(entry.transport) || entry.transport.connectionState !== "connected") await this.pause(entry, CONNECT_WAIT_MS);
      }
    } finally {
      entry.running = false;
      this.report();
    }
  }
}
