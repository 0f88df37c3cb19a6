// A participant's side of a survey call: the WebSocket signalling, the
// mediasoup-client Device with one send and one recv transport, local camera
// and microphone, remote participants and chat. React reads it through
// subscribe()/snapshot() (useSyncExternalStore).
import type { PlaceReport } from "../../../server/domain/place-report";
import { Device } from "mediasoup-client";
import type { types } from "mediasoup-client";
import type { CaptureWire, ChatMessageWire, GuideWire, NewConsumerNotification, PeerInfo, RecordingStateWire, SignalResponses } from "../../../server/signalling/protocol";
import { withPendingOnJoin, withProgress, withProvisional, withoutArrived, type PendingPhoto } from "../capture/pending-photos";
import { closeCodes, LINK_EXPIRED } from "../../../server/signalling/close-codes";
import { SignalError, SignallingClient } from "./signalling-client";
import { IceRecovery } from "./ice-recovery";
import { PathStallWatch } from "./path-stall-watch";
import { JoinRefused, resumeSignalling } from "./signalling-resume";
import { cameraEncodings, MICROPHONE_CODEC_OPTIONS, microphoneEncodings } from "./simulcast-encodings";
import { NetworkQualityMonitor } from "./network-quality-monitor";
import { SimulcastTileLayers } from "./simulcast-tile-layers";

export interface RemoteParticipant {
  participantId: string;
  role: PeerInfo["role"];
  displayName: string;
  videoStream: MediaStream | null;
  audioStream: MediaStream | null;
  videoPaused: boolean;
  audioPaused: boolean;
}

export type CallPhase = "idle" | "connecting" | "in-call" | "reconnecting" | "ended" | "left" | "error";

export interface CallSnapshot {
  phase: CallPhase;
  error: { code: string; message: string } | null;
  self: PeerInfo | null;
  remotes: RemoteParticipant[];
  chat: ChatMessageWire[];
  micOn: boolean;
  camOn: boolean;
  facing: "user" | "environment";
  localStream: MediaStream | null;
  /** Server-side recording (双录) as the server reports it; drives the REC mark and the consent notice. */
  recording: RecordingStateWire | null;
  /** The checklist item the agent last pushed to this phone. */
  guide: GuideWire | null;
  /** Set when the agent asks this phone to take the photo now; cleared by whoever takes it. */
  captureRequest: { itemKey: string; at: number } | null;
  /** Verdicts as they arrive, newest last. */
  captures: CaptureWire[];
  /** Photos whose original is still uploading (quick verdict, bytes held): app/_lib/capture/pending-photos.ts. */
  pendingPhotos: PendingPhoto[];
  /** Staff alerts; `code` is translated by the page, `errorId` is in the server log. */
  alerts: { code: string; message: string; errorId?: string; at: number }[];
  /** The receiving transport is connected (ICE + DTLS done), before or after joining. */
  receiveReady: boolean;
  /** A media connection broke and is being restored by an ICE restart (ice-recovery.ts). */
  mediaRecovering: boolean;
}

export interface SurveyCallOptions {
  /** The survey signalling endpoint: its ws(s) URL (with the survey id for staff) and the subprotocols (with a phone's invite). */
  signalling: { url: string; protocols: string[] };
  initialFacing: "user" | "environment";
  loadChatHistory: () => Promise<ChatMessageWire[]>;
  /**
   * Asked when the server turns a reconnecting page away (a refused WebSocket upgrade
   * hides its HTTP status from the page): the error code that ends the call for good
   * (INVITE_REVOKED, INVITE_EXPIRED, SURVEY_CLOSED…), or null while it may still join.
   * A network error should resolve null, so a phone in a dead spot keeps trying.
   */
  whyNotJoinable?: () => Promise<string | null>;
}

// A phone walking round a car on weak 4G can lose the network for a minute;
// keep trying (and at once when the browser says it is back online) for two.
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
/**
 * How long a step of the join (transports, join, produce) is waited for on an open socket.
 * A loaded server answers late, not never: a fresh clone saw a produce go unanswered for 15 s
 * (the client's default) while the machine was saturated, and the call failed. A dead socket
 * closes and rejects its requests at once; only a silent one waits out this limit, and then
 * the join drops it and joins again (start()), like an unanswered restartIce in the call.
 */
const JOIN_STEP_ANSWER_MS = 45_000;
const RECONNECT_MAX_DELAY_MS = 10_000;
const RECONNECT_GIVE_UP_MS = 120_000;
/** Steps of the join and of the last recoveries kept for diagnostics (recoveryTrace). */
const TRACE_STEPS = 200;

export class SurveyCall {
  private state: CallSnapshot;
  private readonly listeners = new Set<() => void>();
  private signal: SignallingClient | null = null;
  private device: Device | null = null;
  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private readonly producers = new Map<"mic" | "cam", types.Producer>();
  private readonly consumers = new Map<string, { consumer: types.Consumer; participantId: string }>();
  private reconnectAttempt = 0;
  /** Left the call while a consume of theirs was in flight (cleared when they join again). */
  private readonly departed = new Set<string>();
  /** consumerClosed arrived before our consume() of it resolved. */
  private readonly closedBeforeConsumed = new Set<string>();
  private reconnectSince: number | null = null;
  private cancelReconnect: (() => void) | null = null;
  private stopped = false;
  /**
   * What the call did to join and to recover, with times (ms since the page opened): read by
   * bench/network/recovery.ts, and shown by the browser tests when a page did not get where it should.
   */
  readonly recoveryTrace: string[] = [];
  /** Quality marks, the uplink guard and the mobile data used: network-quality-monitor.ts. */
  readonly network = new NetworkQualityMonitor({
    sendTransport: () => this.sendTransport,
    recvTransport: () => this.recvTransport,
    consumers: () => this.consumers.values(),
    camera: () => this.producers.get("cam"),
    report: (wire) => this.signal?.request("reportLinkQuality", wire) ?? Promise.resolve(),
    setVideoPausedForNetwork: async (paused) => {
      if (!paused && !this.state.camOn) return; // the person switched it off meanwhile
      await this.setPaused("cam", paused);
    },
    cameraWanted: () => this.state.camOn,
  });
  private readonly tileLayers = new SimulcastTileLayers((consumerId, width, height) => this.signal?.request("setConsumerTileSize", { consumerId, width, height }) ?? Promise.resolve());

  constructor(private readonly options: SurveyCallOptions) {
    this.state = {
      phase: "idle",
      error: null,
      self: null,
      remotes: [],
      chat: [],
      micOn: true,
      camOn: true,
      facing: options.initialFacing,
      localStream: null,
      recording: null,
      guide: null,
      captureRequest: null,
      captures: [],
      pendingPhotos: [],
      alerts: [],
      receiveReady: false,
      mediaRecovering: false,
    };
  }

  private iceRecovery = this.newIceRecovery();
  private stallWatch = this.newStallWatch();

  /** A path that died before ICE noticed starts its recovery at once (path-stall-watch.ts). */
  private newStallWatch() {
    return new PathStallWatch({
      expectsTraffic: (transport) => {
        // Sending video: the SFU's feedback on it (transport-cc, RTCP) comes back all the time.
        if (transport.direction === "send") {
          const cam = this.producers.get("cam");
          return !!cam && !cam.closed && !cam.paused && cam.track?.readyState === "live";
        }
        // Receiving: someone's live track flows towards us (Opus in DTX still sends every 400 ms).
        return [...this.consumers.values()].some(({ consumer, participantId }) => {
          if (consumer.closed || consumer.paused) return false;
          const remote = this.state.remotes.find((r) => r.participantId === participantId);
          return !!remote && !(consumer.kind === "video" ? remote.videoPaused : remote.audioPaused);
        });
      },
      onStall: (transport) => {
        this.iceRecovery.stalled(transport.id);
        // No feedback on our own video: our network is gone (a new address, a dead spot), and the signalling
        // socket with it. Resume on a new socket now rather than after a restart request times out on the old one;
        // if the socket was fine, the resume costs a round trip.
        if (transport.direction === "send") this.dropSignalling("no feedback on the video sent");
      },
      onFlowing: (transport) => this.iceRecovery.flowing(transport.id),
    });
  }

  private newIceRecovery() {
    return new IceRecovery({
      // No answer within the limit and the socket is treated as dead (it is then reopened and resumed, which costs nothing if it was alive).
      requestRestart: (transportId, answerWithinMs) => {
        const signal = this.signal;
        // Not while resuming: any other request first on a new socket would make the server start a new session.
        if (!signal || this.resuming) return Promise.reject(new SignalError("DISCONNECTED", "not connected"));
        return signal.request("restartIce", { transportId }, answerWithinMs).catch((err: unknown) => {
          // Unanswered on a socket that has been replaced meanwhile says nothing about the new one: do not let it be dropped.
          if (signal !== this.signal) throw new SignalError("DISCONNECTED", "the socket was replaced");
          throw err;
        });
      },
      onSignallingSuspect: () => this.dropSignalling("restartIce unanswered"),
      onRecovering: (mediaRecovering) => {
        if (mediaRecovering !== this.state.mediaRecovering) this.update({ mediaRecovering });
      },
      trace: (step) => this.trace(step),
    });
  }

  private trace(step: string) {
    if (this.recoveryTrace.length >= TRACE_STEPS) this.recoveryTrace.shift();
    this.recoveryTrace.push(`${Math.round(performance.now())} ${step}`);
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = () => this.state;

  private update(patch: Partial<CallSnapshot>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private updateRemote(participantId: string, patch: Partial<RemoteParticipant>) {
    this.update({ remotes: this.state.remotes.map((r) => (r.participantId === participantId ? { ...r, ...patch } : r)) });
  }

  private prepared: Promise<void> | null = null;
  private joinRequested = false;
  /**
   * Counts media sessions (teardownMedia ends one). A join whose session ended
   * under it (its socket dropped and onSignalClosed is rejoining) gives way to
   * the rejoin instead of failing the call.
   */
  private session = 0;
  /** The camera the join tap is opening: a rejoin that overtakes that join takes it up. */
  private pendingMedia: Promise<MediaStream | null> | null = null;

  /**
   * Connects signalling, loads the Device and creates both transports before
   * the person taps "join", so the tap only costs the camera, join and produce.
   * Nobody sees this participant until join.
   */
  prepare(): Promise<void> {
    this.stopped = false;
    this.prepared ??= this.connect().catch((err) => {
      this.prepared = null;
      this.trace(`prepare failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200));
      throw err;
    });
    return this.prepared;
  }

  /** Asks for camera and microphone (must run from a user gesture on iOS), then joins. */
  async start() {
    this.stopped = false;
    this.joinRequested = true;
    this.update({ phase: "connecting", error: null });
    this.trace("start: joining");
    const session = this.session;
    try {
      const media = this.state.localStream ? Promise.resolve(this.state.localStream) : this.openLocalMedia(this.state.facing);
      // A failure is taken up by joinRoom; until then it must not count as unhandled.
      media.catch(() => undefined);
      this.pendingMedia = media;
      await this.prepare();
      // Join, and so receive the others, without waiting for our own camera: a phone's
      // camera takes a moment to open, much longer while the browser asks for permission.
      await this.joinRoom(media);
    } catch (err) {
      // A step went unanswered on a socket that looks open: drop it and join again on a new one.
      if (err instanceof SignalError && err.code === "TIMEOUT" && this.session === session && !this.stopped) {
        this.trace(`join step unanswered (${err.message}); dropping the socket`);
        this.dropSignalling("join step unanswered");
      }
      // The socket dropped during the join (a weak link; a loaded server whose answers came
      // late) and onSignalClosed took over: it rejoins, or ends the call as the server says
      // (a survey ended meanwhile is "ended"). This join's own rejection — "queue stopped"
      // from a transport closed under its produce, "connection closed" — is that drop, not a
      // failure to show. A camera refused is the person's answer, whatever the connection did.
      if (this.session !== session && !mediaRefused(err)) {
        this.trace(`join overtaken by a reconnect (${err instanceof Error ? err.message : String(err)})`.slice(0, 200));
        return;
      }
      this.fail(err);
    }
  }

  private async openLocalMedia(facing: "user" | "environment"): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia) throw new SignalError("NO_MEDIA", "this browser cannot use the camera (open the link in Safari or Chrome, over https)");
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
        video: { facingMode: { ideal: facing }, width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 24, max: 30 } },
      });
    } catch (err) {
      const name = (err as DOMException)?.name;
      throw new SignalError(name === "NotAllowedError" ? "PERMISSION_DENIED" : "NO_MEDIA", (err as Error)?.message ?? "camera unavailable");
    }
  }

  private async connect() {
    const signal = new SignallingClient();
    this.signal = signal;
    this.listen(signal);

    this.trace("signalling: connecting");
    await signal.connect(this.options.signalling.url, this.options.signalling.protocols);
    this.trace("signalling: open");
    // One round trip for all of them (none depends on another): on 4G each
    // round trip saved is ~100 ms before the person can be in the call.
    const recvInfo = signal.request("createTransport", { direction: "recv" }, JOIN_STEP_ANSWER_MS);
    const warmUp = recvInfo.then((r) => (r.sctpParameters ? signal.request("warmUpReceiving", {}) : null));
    warmUp.catch(() => undefined);
    const [{ rtpCapabilities, self }, recv, send] = await Promise.all([
      signal.request("getRouterRtpCapabilities", {}, JOIN_STEP_ANSWER_MS),
      recvInfo,
      signal.request("createTransport", { direction: "send" }, JOIN_STEP_ANSWER_MS),
    ]);
    const device = new Device();
    await device.load({ routerRtpCapabilities: rtpCapabilities as types.RtpCapabilities });
    this.device = device;
    this.update({ self });

    this.recvTransport = device.createRecvTransport(recv as types.TransportOptions);
    this.wireTransport(this.recvTransport);
    this.warmUpReceiving(warmUp, this.recvTransport);
    this.sendTransport = device.createSendTransport(send as types.TransportOptions);
    this.wireTransport(this.sendTransport);
    this.sendTransport.on("produce", ({ kind, rtpParameters, appData }, callback, errback) => {
      this.signal!
        .request("produce", { transportId: this.sendTransport!.id, kind, rtpParameters: rtpParameters as never, source: (appData as { source: "mic" | "cam" }).source }, JOIN_STEP_ANSWER_MS)
        .then(({ id }) => callback({ id }), errback);
    });
    this.trace("prepared: transports made");
  }

  /** Notifications of one signalling socket (the first, or one that resumed the session). */
  private listen(signal: SignallingClient) {
    signal.on("newConsumer", (n) => void this.onNewConsumer(n));
    signal.on("consumerClosed", ({ consumerId }) => this.dropConsumer(consumerId));
    signal.on("consumerPaused", ({ consumerId }) => this.setConsumerPaused(consumerId, true));
    signal.on("consumerResumed", ({ consumerId }) => this.setConsumerPaused(consumerId, false));
    signal.on("peerJoined", (p) => {
      this.trace(`peer joined: ${p.role}`);
      this.departed.delete(p.participantId);
      this.addRemote(p);
    });
    signal.on("peerLeft", ({ participantId }) => {
      this.trace("peer left");
      this.removeRemote(participantId);
    });
    signal.on("chat", ({ message }) => this.addChat(message));
    signal.on("surveyEnded", () => this.finish("ended"));
    signal.on("recordingState", (recording) => this.update({ recording }));
    signal.on("guide", (guide) => this.update({ guide }));
    signal.on("captureRequested", ({ itemKey }) => this.update({ captureRequest: { itemKey, at: Date.now() } }));
    signal.on("captureAssessed", ({ capture }) => this.addCapture(capture));
    signal.on("captureProvisional", ({ provisional }) => this.update({ pendingPhotos: withProvisional(this.state.pendingPhotos, provisional, this.state.captures) }));
    signal.on("captureUploadProgress", (u) => this.update({ pendingPhotos: withProgress(this.state.pendingPhotos, u, this.state.captures) }));
    signal.on("capturePending", ({ photos }) => this.update({ pendingPhotos: withPendingOnJoin(this.state.pendingPhotos, photos, this.state.captures) }));
    signal.on("alert", (a) => this.update({ alerts: [...this.state.alerts, { ...a, at: Date.now() }] }));
    signal.on("peerLinkQuality", ({ participantId, ...wire }) => this.network.onPeerReport(participantId, wire));
    signal.onClose = (code, reason) => {
      if (this.signal === signal) this.onSignalClosed(code, reason);
    };
    signal.onRequestHeld = (method) => this.trace(`${method} held: the socket is closing`);
  }

  /**
   * Connects the receiving transport before the join tap by consuming a data
   * channel (see Room.warmUpReceiving). Not awaited: the transport queues its
   * own operations, and a browser without data channels just connects later.
   */
  private warmUpReceiving(warmUp: Promise<SignalResponses["warmUpReceiving"] | null>, transport: types.Transport) {
    warmUp
      .then((dc) => dc && transport.consumeData({ ...dc, sctpStreamParameters: dc.sctpStreamParameters as types.SctpStreamParameters }))
      .catch(() => undefined);
  }

  private async joinRoom(media: Promise<MediaStream | null> = this.pendingMedia ?? Promise.resolve(this.state.localStream)) {
    const session = this.session;
    const signal = this.signal;
    const device = this.device;
    if (!signal || !device) throw new SignalError("DISCONNECTED", "not connected");
    const history = this.options.loadChatHistory().then(
      (h) => this.update({ chat: mergeChat(this.state.chat, h) }),
      () => undefined,
    );
    this.trace("join: asking");
    const { peers } = await signal.request(
      "join",
      {
        rtpCapabilities: device.rtpCapabilities as never,
        device: { userAgent: navigator.userAgent.slice(0, 400), viewport: `${window.innerWidth}x${window.innerHeight}`, handler: device.handlerName },
      },
      JOIN_STEP_ANSWER_MS,
    );
    this.trace(`join: in, with [${peers.map((p) => p.role).join(", ")}]`);
    for (const p of peers) {
      this.departed.delete(p.participantId);
      this.addRemote(p);
    }
    const stream = await media;
    if (this.pendingMedia === media) this.pendingMedia = null;
    // Left or ended while the camera was opening: let go of it at once.
    if (this.stopped) {
      if (stream !== this.state.localStream) for (const t of stream?.getTracks() ?? []) t.stop();
      return;
    }
    // Kept even if this join was overtaken: the rejoin produces from it.
    if (stream !== this.state.localStream) this.update({ localStream: stream });
    if (this.session !== session) throw joinOvertaken();
    this.trace(`camera: ${stream ? stream.getTracks().map((t) => t.kind).join("+") : "none"}; producing`);
    await this.produceLocal();
    await history;
    // Produced on transports a reconnect has closed meanwhile: the rejoin owns the call now.
    if (this.session !== session) throw joinOvertaken();
    this.reconnectAttempt = 0;
    this.reconnectSince = null;
    this.network.start();
    this.update({ phase: "in-call" });
    this.trace("in call");
  }

  private wireTransport(transport: types.Transport) {
    transport.on("connect", ({ dtlsParameters }, callback, errback) => {
      this.signal!.request("connectTransport", { transportId: transport.id, dtlsParameters: dtlsParameters as never }, JOIN_STEP_ANSWER_MS).then(() => callback(), errback);
    });
    transport.on("connectionstatechange", (state) => {
      if (transport.direction === "recv") this.update({ receiveReady: state === "connected" });
    });
    // A network change (4G ↔ Wi-Fi) or a dead spot breaks ICE: restart it, without a new join.
    this.iceRecovery.watch(transport);
    this.stallWatch.watch(transport);
  }

  /**
   * `stopTracks: false`: the camera and microphone belong to the page, not to a
   * producer. A rejoin after the server lost the session (a restart) closes the
   * producers and makes new ones from the same tracks; mediasoup-client's
   * default would have stopped them ("track ended", and no way back without a
   * reload). The page stops them itself when it leaves (finish).
   */
  private async produceLocal() {
    const stream = this.state.localStream;
    // One transport for both: if a reconnect replaces it between the two, the second produce
    // fails on the closed one instead of adding a second camera to the rejoin's new transport.
    const transport = this.sendTransport;
    if (!stream || !transport) return;
    const audio = stream.getAudioTracks()[0];
    const video = stream.getVideoTracks()[0];
    if (audio) {
      const p = await transport.produce({ track: audio, stopTracks: false, codecOptions: MICROPHONE_CODEC_OPTIONS, encodings: microphoneEncodings(), appData: { source: "mic" } });
      if (transport !== this.sendTransport) throw closedUnder(p);
      this.producers.set("mic", p);
      if (!this.state.micOn) await this.setPaused("mic", true);
    }
    if (video) {
      const p = await transport.produce({ track: video, stopTracks: false, encodings: cameraEncodings(), appData: { source: "cam" } });
      if (transport !== this.sendTransport) throw closedUnder(p);
      this.producers.set("cam", p);
      if (!this.state.camOn) await this.setPaused("cam", true);
    }
  }

  private async onNewConsumer(n: NewConsumerNotification) {
    const transport = this.recvTransport;
    if (!transport) return;
    let consumer: types.Consumer;
    try {
      consumer = await transport.consume({ id: n.id, producerId: n.producerId, kind: n.kind, rtpParameters: n.rtpParameters as types.RtpParameters });
    } catch (err) {
      // The survey ended (or the connection dropped) while this consume waited
      // in the transport's queue: closing the transport rejects it "closed".
      // Nothing is lost; there is no call left to show it in.
      if (transport.closed || this.stopped) return;
      throw err;
    }
    // The producer's owner may have left (or the consumer been closed) while this
    // consume was in flight: adding it now would bring back a tile of someone gone.
    if (this.closedBeforeConsumed.delete(n.id) || this.departed.has(n.participantId) || transport.closed) {
      consumer.close();
      return;
    }
    this.consumers.set(consumer.id, { consumer, participantId: n.participantId });
    this.addRemote({ participantId: n.participantId, role: n.role, displayName: n.displayName });
    const stream = new MediaStream([consumer.track]);
    this.updateRemote(n.participantId, n.kind === "video" ? { videoStream: stream, videoPaused: n.producerPaused } : { audioStream: stream, audioPaused: n.producerPaused });
    await this.signal?.request("resumeConsumer", { consumerId: consumer.id }).catch(() => undefined);
    if (n.kind === "video") this.tileLayers.videoConsumer(n.participantId, consumer.id);
  }

  /** The participant's video tile is drawn this large (device pixels): the server picks the simulcast layer. */
  preferTileSize(participantId: string, width: number, height: number) {
    this.tileLayers.setTile(participantId, width, height);
  }

  private dropConsumer(consumerId: string) {
    const entry = this.consumers.get(consumerId);
    if (!entry) {
      this.closedBeforeConsumed.add(consumerId);
      return;
    }
    this.consumers.delete(consumerId);
    entry.consumer.close();
    this.updateRemote(entry.participantId, entry.consumer.kind === "video" ? { videoStream: null } : { audioStream: null });
  }

  private setConsumerPaused(consumerId: string, paused: boolean) {
    const entry = this.consumers.get(consumerId);
    if (!entry) return;
    this.updateRemote(entry.participantId, entry.consumer.kind === "video" ? { videoPaused: paused } : { audioPaused: paused });
  }

  private addRemote(p: PeerInfo) {
    if (this.state.remotes.some((r) => r.participantId === p.participantId)) return;
    this.update({
      remotes: [...this.state.remotes, { ...p, videoStream: null, audioStream: null, videoPaused: false, audioPaused: false }],
    });
  }

  private removeRemote(participantId: string) {
    this.departed.add(participantId);
    this.network.forgetPeer(participantId);
    this.tileLayers.forget(participantId);
    for (const [id, entry] of this.consumers) {
      if (entry.participantId === participantId) {
        entry.consumer.close();
        this.consumers.delete(id);
      }
    }
    this.update({ remotes: this.state.remotes.filter((r) => r.participantId !== participantId) });
  }

  private addChat(message: ChatMessageWire) {
    this.update({ chat: mergeChat(this.state.chat, [message]) });
  }

  async sendChat(text: string) {
    if (!this.signal) return;
    const { message } = await this.signal.request("chat", { text });
    this.addChat(message);
  }

  private async setPaused(source: "mic" | "cam", paused: boolean) {
    const producer = this.producers.get(source);
    if (!producer) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.signal?.request(paused ? "pauseProducer" : "resumeProducer", { producerId: producer.id }).catch(() => undefined);
  }

  async toggleMic() {
    const micOn = !this.state.micOn;
    this.update({ micOn });
    await this.setPaused("mic", !micOn);
  }

  async toggleCam() {
    const camOn = !this.state.camOn;
    this.update({ camOn });
    await this.setPaused("cam", !camOn);
  }

  /** Front ↔ rear. The old camera is released first: many phones cannot open both. */
  async switchCamera() {
    const facing = this.state.facing === "user" ? "environment" : "user";
    const stream = this.state.localStream;
    const old = stream?.getVideoTracks()[0];
    old?.stop();
    const fresh = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: facing }, width: { ideal: 1280 }, height: { ideal: 720 } } });
    const track = fresh.getVideoTracks()[0]!;
    await this.producers.get("cam")?.replaceTrack({ track });
    const next = new MediaStream([...(stream?.getAudioTracks() ?? []), track]);
    this.update({ facing, localStream: next });
  }

  addCapture(capture: CaptureWire) {
    this.update({ captures: [...this.state.captures.filter((c) => c.id !== capture.id), capture], pendingPhotos: withoutArrived(this.state.pendingPhotos, capture) });
  }

  clearCaptureRequest() {
    this.update({ captureRequest: null });
  }

  async answerRecordingNotice(accepted: boolean, noticeVersion: string, noticeLocale: "zh-CN" | "en", place?: PlaceReport) {
    if (!this.signal) return;
    const { recording } = await this.signal.request("recordingConsent", { accepted, noticeVersion, noticeLocale, ...(place ? { place } : {}) });
    this.update({ recording });
  }

  async pushGuide(itemKey: string) {
    await this.signal?.request("pushGuide", { itemKey });
  }

  async requestCapture(itemKey: string) {
    await this.signal?.request("requestCapture", { itemKey });
  }

  /** The live camera track, for full-resolution stills. */
  cameraTrack(): MediaStreamTrack | null {
    return this.state.localStream?.getVideoTracks()[0] ?? null;
  }

  async endSurvey() {
    const signal = this.signal;
    if (!signal) return;
    try {
      await signal.request("endSurvey", {});
    } catch (err) {
      // Ending closes every connection, this one included, and the close often
      // overtakes the answer: the request then rejects "connection closed",
      // although the survey ended as asked. The close (or the surveyEnded
      // notice) has put the call in "ended" by the time this runs.
      if (this.state.phase === "ended") return;
      throw err;
    }
  }

  leave() {
    this.finish("left");
  }

  /** Inbound RTP per remote track, for diagnostics and tests. */
  async inboundStats() {
    const out: { participantId: string; role: string; kind: string; framesDecoded: number; packetsReceived: number; bytesReceived: number }[] = [];
    for (const { consumer, participantId } of this.consumers.values()) {
      const stats = await consumer.getStats();
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type !== "inbound-rtp") return;
        const role = this.state.remotes.find((r) => r.participantId === participantId)?.role ?? "";
        out.push({
          participantId,
          role,
          kind: consumer.kind,
          framesDecoded: Number(s.framesDecoded ?? 0),
          packetsReceived: Number(s.packetsReceived ?? 0),
          bytesReceived: Number(s.bytesReceived ?? 0),
        });
      });
    }
    return out;
  }

  private onSignalClosed(code: number, reason: string) {
    if (this.stopped) return;
    if (code === closeCodes.surveyEnded) return this.finish("ended");
    if (code === closeCodes.replaced) return this.finish("left", { code: "REPLACED", message: "This survey was opened in another window." });
    if (code === closeCodes.gone && reason === LINK_EXPIRED) return this.finish("left", { code: "INVITE_EXPIRED", message: "the link has expired" });
    if (code === closeCodes.gone) return this.finish("left", { code: "INVITE_REVOKED", message: reason || "the link was withdrawn" });
    // In the call: keep camera, transports and tiles, and resume the same session on a new socket.
    if (this.resumable()) return this.resumeSession();
    this.teardownMedia();
    this.reconnectSince ??= Date.now();
    if (Date.now() - this.reconnectSince > RECONNECT_GIVE_UP_MS) {
      return this.fail(new SignalError("DISCONNECTED", reason || "lost the connection to the survey"));
    }
    const delay = RECONNECT_DELAYS_MS[this.reconnectAttempt++] ?? RECONNECT_MAX_DELAY_MS;
    this.update({ phase: "reconnecting", remotes: [] });
    const attempt = () => {
      this.cancelReconnect?.();
      if (this.stopped) return;
      this.prepared = null;
      this.trace(`rejoin attempt ${this.reconnectAttempt}`);
      this.prepare()
        .then(() => (this.trace("rejoin: connected"), this.joinRequested ? this.joinRoom() : undefined))
        .catch(async (err) => {
          this.trace(`rejoin failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200));
          if (mediaRefused(err)) return this.fail(err);
          const refusal = await (this.options.whyNotJoinable?.() ?? Promise.resolve(null)).catch(() => null);
          if (this.stopped) return;
          if (refusal) return this.endRefused(refusal);
          this.onSignalClosed(1006, err instanceof Error ? err.message : String(err));
        });
    };
    const timer = setTimeout(attempt, delay);
    window.addEventListener("online", attempt);
    this.cancelReconnect = () => {
      clearTimeout(timer);
      window.removeEventListener("online", attempt);
      this.cancelReconnect = null;
    };
  }

  private resumable() {
    return this.state.phase === "in-call" && !!this.sendTransport && !this.sendTransport.closed && !!this.recvTransport && !this.recvTransport.closed;
  }

  /** The socket looks open but does not answer (its network is gone): drop it and resume on a new one. */
  private dropSignalling(reason: string) {
    const signal = this.signal;
    if (!signal || this.stopped) return;
    signal.close();
    this.onSignalClosed(1006, reason);
  }

  private resuming = false;

  private resumeSession() {
    if (this.resuming) return;
    this.resuming = true;
    this.trace("signalling lost; resuming");
    this.signal?.close();
    this.signal = null;
    this.reconnectSince ??= Date.now();
    this.update({ phase: "reconnecting" });
    resumeSignalling({
      ...this.options.signalling,
      wire: (signal) => this.listen(signal),
      adopt: (signal) => (this.signal = signal),
      transportIds: [this.sendTransport!.id, this.recvTransport!.id],
      consumerIds: [...this.consumers.keys()],
      restartTransportIds: () => this.iceRecovery.brokenTransportIds(),
      stopped: () => this.stopped,
      giveUpAt: this.reconnectSince + RECONNECT_GIVE_UP_MS,
      trace: (step) => this.trace(step),
      whyRefused: this.options.whyNotJoinable,
    }).then(
      ({ signal, answer }) => {
        this.resuming = false;
        if (this.stopped) return signal.close();
        if (!answer.resumed) {
          // The server let the session go (too long away, or replaced): join afresh.
          this.trace("resume refused: joining afresh");
          this.signal = null;
          signal.close();
          this.teardownMedia();
          return this.onSignalClosed(1006, "session expired");
        }
        const present = new Set(answer.peers.map((p) => p.participantId));
        for (const r of this.state.remotes) if (!present.has(r.participantId)) this.removeRemote(r.participantId);
        for (const p of answer.peers) {
          this.departed.delete(p.participantId);
          this.addRemote(p);
        }
        this.options.loadChatHistory().then((h) => this.update({ chat: mergeChat(this.state.chat, h) }), () => undefined);
        this.reconnectAttempt = 0;
        this.reconnectSince = null;
        this.update({ phase: "in-call" });
        this.trace(`resumed, ${answer.iceRestarts?.length ?? 0} ICE restarts in the answer`);
        for (const r of answer.iceRestarts ?? []) this.iceRecovery.provide(r.transportId, { iceParameters: r.iceParameters, iceServers: answer.iceServers as RTCIceServer[] | undefined });
        this.iceRecovery.kick();
      },
      (err) => {
        this.resuming = false;
        if (this.stopped) return;
        // The link was withdrawn (or the survey closed) while this page was away: say so, as a live socket's close would.
        if (err instanceof JoinRefused) return this.endRefused(err.reason);
        this.fail(err);
      },
    );
  }

  private teardownMedia() {
    this.session += 1;
    this.cancelReconnect?.();
    this.network.stop();
    this.tileLayers.clear();
    // A new signalling session starts from what the server says then.
    this.departed.clear();
    this.closedBeforeConsumed.clear();
    for (const { consumer } of this.consumers.values()) consumer.close();
    this.consumers.clear();
    for (const p of this.producers.values()) p.close();
    this.producers.clear();
    this.iceRecovery.stop();
    this.iceRecovery = this.newIceRecovery();
    this.stallWatch.stop();
    this.stallWatch = this.newStallWatch();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = this.recvTransport = null;
    if (this.state.receiveReady) this.update({ receiveReady: false });
    this.signal?.close();
    this.signal = null;
    this.device = null;
    this.prepared = null;
  }

  /** The server will not take this page back, for the reason its error code names. */
  private endRefused(code: string) {
    this.trace(`refused for good: ${code}`);
    if (code === "INVITE_REVOKED") return this.finish("left", { code, message: "the link was withdrawn" });
    if (code === "INVITE_EXPIRED") return this.finish("left", { code, message: "the link has expired" });
    this.finish("ended");
  }

  private finish(phase: "ended" | "left", error: CallSnapshot["error"] = null) {
    this.trace(`finished: ${phase}${error ? ` (${error.code})` : ""}`);
    this.stopped = true;
    this.teardownMedia();
    for (const t of this.state.localStream?.getTracks() ?? []) t.stop();
    this.update({ phase, error, remotes: [], localStream: null });
  }

  private fail(err: unknown) {
    // Operations still in flight when the call ended or was left reject ("queue
    // stopped"): that is not an error the person should see over "ended".
    if (this.state.phase === "ended" || this.state.phase === "left") return;
    this.stopped = true;
    this.teardownMedia();
    const code = err instanceof SignalError ? err.code : "FAILED";
    this.trace(`failed: ${code} ${err instanceof Error ? err.message : String(err)}`.slice(0, 200));
    this.update({ phase: "error", error: { code, message: err instanceof Error ? err.message : String(err) } });
  }
}

/** What a join that a reconnect overtook rejects with: start() lets the rejoin carry on. */
function joinOvertaken() {
  return new SignalError("DISCONNECTED", "the connection dropped during the join");
}

/** A producer made on a transport a reconnect has replaced meanwhile: dropped, never kept beside the rejoin's own. */
function closedUnder(producer: types.Producer) {
  producer.close();
  return joinOvertaken();
}

/** The camera or microphone was refused or is missing: no reconnect changes that. */
function mediaRefused(err: unknown) {
  return err instanceof SignalError && (err.code === "PERMISSION_DENIED" || err.code === "NO_MEDIA");
}

function mergeChat(current: ChatMessageWire[], incoming: ChatMessageWire[]): ChatMessageWire[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, { ...m, at: typeof m.at === "string" ? m.at : new Date(m.at as unknown as Date).toISOString() });
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}
