// One participant's media inside a Room: its transports, producers and
// consumers. Closing the peer closes its transports, which closes everything
// produced or consumed through them; nothing outlives the peer.
import { EventEmitter } from "node:events";
import type { types } from "mediasoup";
import type { ParticipantRole } from "../server/domain/roles";
import { NetworkGapWatch, type NetworkGap } from "./network-gap-watch";

export interface PeerIdentity {
  participantId: string;
  surveyId: string;
  role: ParticipantRole;
  displayName: string;
}

/** How the room reaches this peer's client (the signalling connection). */
export type PeerNotify = (method: string, data: Record<string, unknown>) => void;

export type ProducerSource = "mic" | "cam" | "screen";

export class Peer extends EventEmitter<{ close: [reason: string]; rebound: []; networkgap: [NetworkGap] }> {
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  rtpCapabilities: types.RtpCapabilities | undefined;
  joined = false;
  private closedFlag = false;

  /** Holes in this participant's media that their network caused (see network-gap-watch.ts). */
  readonly network = new NetworkGapWatch((gap) => this.emit("networkgap", gap));
  /** Set while the signalling connection is lost and the peer waits to be resumed (ms since epoch). */
  detachedAt: number | null = null;

  constructor(readonly identity: PeerIdentity, private notifyFn: PeerNotify) {
    super();
  }

  /** Notifications go to whichever signalling connection holds the peer now. */
  notify: PeerNotify = (method, data) => this.notifyFn(method, data);

  /**
   * A new signalling connection of the same page takes this peer over (the
   * phone's network changed or dropped): transports, producers and consumers
   * stay; the previous connection is told to let go ('rebound').
   */
  rebind(notify: PeerNotify) {
    this.notifyFn = notify;
    this.detachedAt = null;
    this.emit("rebound");
  }

  get id() {
    return this.identity.participantId;
  }

  get closed() {
    return this.closedFlag;
  }

  transport(id: string): types.WebRtcTransport {
    const t = this.transports.get(id);
    if (!t) throw new Error(`no transport ${id} for this participant`);
    return t;
  }

  producer(id: string): types.Producer {
    const p = this.producers.get(id);
    if (!p) throw new Error(`no producer ${id} for this participant`);
    return p;
  }

  consumer(id: string): types.Consumer {
    const c = this.consumers.get(id);
    if (!c) throw new Error(`no consumer ${id} for this participant`);
    return c;
  }

  /** The transport the client created for receiving. */
  recvTransport(): types.WebRtcTransport | undefined {
    return [...this.transports.values()].find((t) => (t.appData as { direction?: string }).direction === "recv");
  }

  describe() {
    return {
      participantId: this.identity.participantId,
      role: this.identity.role,
      displayName: this.identity.displayName,
    };
  }

  close(reason: string) {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.network.close();
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    this.producers.clear();
    this.consumers.clear();
    this.emit("close", reason);
  }
}
