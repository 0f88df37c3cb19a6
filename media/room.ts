// A survey's media room: one mediasoup Router on the least-loaded worker and
// the peers in it. The Room is the only place that wires one peer's producers
// to the others' consumers; closing it closes the router and every peer.
import { EventEmitter } from "node:events";
import type { types } from "mediasoup";
import type { Logger } from "pino";
import { mediaCodecs } from "./media-codecs";
import { layersOf, spatialLayerForTile } from "./simulcast-layers";
import type { MediaConfig } from "./media-config";
import { Peer, type PeerIdentity, type PeerNotify, type ProducerSource } from "./peer";
import type { NetworkGap } from "./network-gap-watch";
import type { PooledWorker } from "./worker-pool";

interface RoomEvents {
  peerjoined: [Peer];
  peerleft: [Peer, string];
  newproducer: [Peer, types.Producer];
  producerpaused: [Peer, types.Producer];
  producerresumed: [Peer, types.Producer];
  producerclosed: [Peer, types.Producer];
  /** Media of this peer's producer had a hole its network caused; reported once media flows again. */
  networkgap: [Peer, NetworkGap];
  close: [reason: string];
}

export class Room extends EventEmitter<RoomEvents> {
  readonly peers = new Map<string, Peer>();
  private closedFlag = false;
  private warmUpProducer: Promise<types.DataProducer> | null = null;

  private constructor(
    readonly surveyId: string,
    readonly router: types.Router,
    private readonly webRtcServer: types.WebRtcServer,
    private readonly config: MediaConfig,
    private readonly log: Logger,
  ) {
    super();
    router.observer.once("close", () => this.close("router-closed"));
  }

  static async create(args: { surveyId: string; pooled: PooledWorker; config: MediaConfig; log: Logger }): Promise<Room> {
    const router = await args.pooled.worker.createRouter({ mediaCodecs, appData: { surveyId: args.surveyId } });
    return new Room(args.surveyId, router, args.pooled.webRtcServer, args.config, args.log.child({ surveyId: args.surveyId }));
  }

  get closed() {
    return this.closedFlag;
  }

  hasPeer(participantId: string): boolean {
    return this.peers.has(participantId);
  }

  /** Drops a participant now (their link was withdrawn); the others see them leave. */
  removePeer(participantId: string, reason: string) {
    this.peers.get(participantId)?.close(reason);
  }

  /** A participant connecting again replaces their previous peer (stale tab, dropped network). */
  addPeer(identity: PeerIdentity, notify: PeerNotify): Peer {
    if (this.closedFlag) throw new Error("this survey's room is closed");
    this.peers.get(identity.participantId)?.close("replaced");
    const peer = new Peer(identity, notify);
    this.peers.set(peer.id, peer);
    peer.on("networkgap", (gap) => this.emit("networkgap", peer, gap));
    peer.once("close", (reason) => {
      if (this.peers.get(peer.id) === peer) this.peers.delete(peer.id);
      if (peer.joined) {
        this.broadcast(peer, "peerLeft", { participantId: peer.id, reason });
        this.emit("peerleft", peer, reason);
      }
    });
    return peer;
  }

  async createWebRtcTransport(peer: Peer, direction: "send" | "recv") {
    this.assertOpen(peer);
    const transport = await this.router.createWebRtcTransport({
      webRtcServer: this.webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: this.config.initialOutgoingBitrate,
      // SCTP on the receiving side only, for the warm-up data channel (warmUpReceiving).
      enableSctp: direction === "recv",
      appData: { participantId: peer.id, direction },
    });
    if (peer.closed) {
      transport.close();
      throw new Error("participant left");
    }
    peer.transports.set(transport.id, transport);
    transport.observer.once("close", () => peer.transports.delete(transport.id));
    // ICE consent lost: the browser's path to the SFU broke (a dead spot, a blackout, a new address).
    transport.on("icestatechange", (state) => {
      if (state === "disconnected") peer.network.troubleSeen("ice-disconnected");
      if (state === "connected" || state === "completed") this.afterReconnect(peer, transport);
    });
    transport.on("iceselectedtuplechange", () => this.afterReconnect(peer, transport));
    transport.on("dtlsstatechange", (state) => {
      if (state === "failed" || state === "closed") this.log.warn({ participantId: peer.id, state }, "transport DTLS ended");
    });
    if (direction === "send") await transport.setMaxIncomingBitrate(this.config.maxIncomingBitrate).catch(() => undefined);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
      sctpParameters: transport.sctpParameters,
    };
  }

  /**
   * Gives the peer's receiving transport a data channel to consume, so that
   * the browser connects it (ICE, DTLS, SCTP) while the person is still reading
   * the join page: mediasoup-client only connects a transport on its first
   * consume. The first remote picture after the tap then skips the handshake,
   * which on a 4G round trip is several hundred milliseconds.
   */
  async warmUpReceiving(peer: Peer) {
    this.assertOpen(peer);
    const transport = peer.recvTransport();
    if (!transport) throw new Error("create the recv transport first");
    // One silent data producer per room, on a DirectTransport the router owns and closes.
    this.warmUpProducer ??= this.router
      .createDirectTransport()
      .then((direct) => direct.produceData({ label: "warm-up" }))
      .catch((err) => {
        this.warmUpProducer = null;
        throw err;
      });
    const dataProducer = await this.warmUpProducer;
    const dataConsumer = await transport.consumeData({ dataProducerId: dataProducer.id });
    return {
      id: dataConsumer.id,
      dataProducerId: dataProducer.id,
      sctpStreamParameters: dataConsumer.sctpStreamParameters,
      label: dataConsumer.label,
      protocol: dataConsumer.protocol,
    };
  }

  async connectTransport(peer: Peer, transportId: string, dtlsParameters: types.DtlsParameters) {
    this.assertOpen(peer);
    await peer.transport(transportId).connect({ dtlsParameters });
  }

  async restartIce(peer: Peer, transportId: string) {
    this.assertOpen(peer);
    const transport = peer.transport(transportId);
    // The browser asks for a restart when its connection broke: that is the trouble sign.
    peer.network.troubleSeen("ice-restart");
    this.restarted.add(transport);
    return transport.restartIce();
  }

  /** Transports restarted after a break whose new path has not yet been refreshed with keyframes. */
  private readonly restarted = new WeakSet<types.WebRtcTransport>();

  /**
   * A restarted transport has its path back: the decoders on either end lost
   * the reference frames of the break, and a browser asks for a keyframe only
   * after its own stall timer. Ask now (and twice more, in case the first
   * request went out before SRTP flowed) for every video crossing this
   * transport: the others' video to this peer, and this peer's to the others.
   */
  private afterReconnect(peer: Peer, transport: types.WebRtcTransport) {
    if (!this.restarted.has(transport)) return;
    this.restarted.delete(transport);
    const direction = (transport.appData as { direction?: string }).direction;
    const consumers = () =>
      direction === "recv"
        ? [...peer.consumers.values()]
        : this.joinedPeers().flatMap((other) => [...other.consumers.values()].filter((c) => peer.producers.has(c.producerId)));
    for (const delay of [0, 500, 1500]) {
      setTimeout(() => {
        for (const c of consumers()) if (c.kind === "video" && !c.closed) void c.requestKeyFrame().catch(() => undefined);
      }, delay).unref();
    }
  }

  /** Marks the peer as joined, tells the others, and starts consuming what is already produced. */
  async join(peer: Peer, rtpCapabilities: types.RtpCapabilities) {
    this.assertOpen(peer);
    if (peer.joined) throw new Error("already joined");
    peer.rtpCapabilities = rtpCapabilities;
    peer.joined = true;
    const others = this.joinedPeers().filter((p) => p !== peer);
    this.broadcast(peer, "peerJoined", peer.describe());
    this.emit("peerjoined", peer);
    // In parallel: each consume is a round trip to the worker, and the newcomer waits for all of them.
    await Promise.all(others.flatMap((other) => [...other.producers.values()].map((producer) => this.consume(peer, other, producer))));
    return others.map((p) => p.describe());
  }

  async produce(
    peer: Peer,
    args: { transportId: string; kind: types.MediaKind; rtpParameters: types.RtpParameters; source: ProducerSource },
  ) {
    this.assertOpen(peer);
    if (!peer.joined) throw new Error("join before producing");
    const transport = peer.transport(args.transportId);
    if ((transport.appData as { direction?: string }).direction !== "send") throw new Error("produce needs the send transport");
    const sameSource = [...peer.producers.values()].find((p) => (p.appData as { source?: string }).source === args.source);
    if (sameSource) throw new Error(`already producing ${args.source}; close it first`);
    const producer = await transport.produce({
      kind: args.kind,
      rtpParameters: args.rtpParameters,
      appData: { participantId: peer.id, role: peer.identity.role, source: args.source },
    });
    peer.producers.set(producer.id, producer);
    peer.network.watch(producer);
    producer.observer.once("close", () => {
      peer.producers.delete(producer.id);
      this.emit("producerclosed", peer, producer);
    });
    producer.observer.on("pause", () => this.emit("producerpaused", peer, producer));
    producer.observer.on("resume", () => this.emit("producerresumed", peer, producer));
    this.emit("newproducer", peer, producer);
    // The producer is answered now; the others' consumers reach them as
    // notifications once made. Each is a round trip to the worker, which a
    // loaded machine makes slow, and the client's join waits for this answer.
    void Promise.all(this.joinedPeers().filter((other) => other !== peer).map((other) => this.consume(other, peer, producer))).catch((err) =>
      this.log.warn({ err, producer: producer.id }, "could not consume a new producer"),
    );
    return producer;
  }

  /** Creates a paused consumer; the client resumes it once its track is wired (no lost keyframe). */
  private async consume(consumerPeer: Peer, producerPeer: Peer, producer: types.Producer) {
    const caps = consumerPeer.rtpCapabilities;
    const transport = consumerPeer.recvTransport();
    if (!caps || !transport || consumerPeer.closed || producer.closed) return;
    if (!this.router.canConsume({ producerId: producer.id, rtpCapabilities: caps })) {
      this.log.warn({ consumer: consumerPeer.id, producer: producer.id }, "client cannot consume this codec");
      return;
    }
    let consumer: types.Consumer;
    try {
      consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: caps, paused: true, appData: producer.appData });
    } catch (err) {
      // The producer or the transport may have closed meanwhile: nothing to clean.
      this.log.warn({ err, consumer: consumerPeer.id }, "consume failed");
      return;
    }
    consumerPeer.consumers.set(consumer.id, consumer);
    consumer.observer.once("close", () => {
      consumerPeer.consumers.delete(consumer.id);
      if (!consumerPeer.closed) consumerPeer.notify("consumerClosed", { consumerId: consumer.id });
    });
    consumer.on("producerpause", () => consumerPeer.notify("consumerPaused", { consumerId: consumer.id }));
    consumer.on("producerresume", () => consumerPeer.notify("consumerResumed", { consumerId: consumer.id }));
    consumerPeer.notify("newConsumer", newConsumerNotice(consumer, producerPeer));
  }

  /**
   * A resumed peer's client may have missed notifications while its signalling
   * was down: tell it again about consumers it does not know, and that the
   * ones it knows but the server closed are gone.
   */
  replayConsumers(peer: Peer, knownConsumerIds: string[]) {
    const known = new Set(knownConsumerIds);
    for (const consumer of peer.consumers.values()) {
      if (known.has(consumer.id)) continue;
      const owner = this.peers.get((consumer.appData as { participantId?: string }).participantId ?? "");
      if (owner) peer.notify("newConsumer", newConsumerNotice(consumer, owner));
    }
    for (const id of known) if (!peer.consumers.has(id)) peer.notify("consumerClosed", { consumerId: id });
  }

  async resumeConsumer(peer: Peer, consumerId: string) {
    this.assertOpen(peer);
    const consumer = peer.consumer(consumerId);
    await consumer.resume();
    if (consumer.kind === "video") await consumer.requestKeyFrame().catch(() => undefined);
  }

  /**
   * The consumer's video is drawn `height` device pixels high: forward the
   * smallest simulcast layer that fills it (all temporal layers), and let a
   * bigger tile have the transport's bandwidth first. Bandwidth estimation
   * still lowers the layer below this when the receiver's link needs it.
   * Returns the preferred spatial layer (null: not a simulcast consumer).
   */
  async setConsumerTileSize(peer: Peer, consumerId: string, height: number): Promise<number | null> {
    this.assertOpen(peer);
    const consumer = peer.consumer(consumerId);
    if (consumer.type !== "simulcast" && consumer.type !== "svc") return null;
    const layers = layersOf(consumer.rtpParameters.encodings?.[0]?.scalabilityMode);
    const spatialLayer = spatialLayerForTile(height, layers.spatial);
    await consumer.setPreferredLayers({ spatialLayer, temporalLayer: layers.temporal - 1 });
    await consumer.setPriority(1 + spatialLayer);
    return spatialLayer;
  }

  /** A participant's own view of their uplink goes to the others, whose tiles of them show it. */
  relayLinkQuality(peer: Peer, report: Record<string, unknown>) {
    this.assertOpen(peer);
    this.broadcast(peer, "peerLinkQuality", { ...report, participantId: peer.id });
  }

  async setProducerPaused(peer: Peer, producerId: string, paused: boolean) {
    this.assertOpen(peer);
    const producer = peer.producer(producerId);
    if (paused) await producer.pause();
    else await producer.resume();
  }

  closeProducer(peer: Peer, producerId: string) {
    this.assertOpen(peer);
    peer.producer(producerId).close();
  }

  joinedPeers(): Peer[] {
    return [...this.peers.values()].filter((p) => p.joined && !p.closed);
  }

  broadcast(from: Peer | null, method: string, data: Record<string, unknown>) {
    for (const p of this.joinedPeers()) if (p !== from) p.notify(method, data);
  }

  close(reason: string) {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const peer of [...this.peers.values()]) peer.close(reason);
    this.peers.clear();
    if (!this.router.closed) this.router.close();
    this.log.info({ reason }, "room closed");
    this.emit("close", reason);
  }

  private assertOpen(peer: Peer) {
    if (this.closedFlag) throw new Error("this survey's room is closed");
    if (peer.closed) throw new Error("participant left");
  }
}

function newConsumerNotice(consumer: types.Consumer, producerPeer: Peer) {
  return {
    id: consumer.id,
    producerId: consumer.producerId,
    kind: consumer.kind,
    rtpParameters: consumer.rtpParameters,
    producerPaused: consumer.producerPaused,
    participantId: producerPeer.id,
    role: producerPeer.identity.role,
    displayName: producerPeer.identity.displayName,
    source: (consumer.appData as { source?: string }).source ?? "cam",
  };
}
