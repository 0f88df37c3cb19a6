// One participant's signalling connection: validates every message, turns it
// into Room calls and answers. A bad or out-of-order message gets an error
// reply; the room and the connection carry on.
import type { WebSocket, RawData } from "ws";
import type { types } from "mediasoup";
import { z } from "zod";
import type { AppContext } from "../app-context";
import type { Room } from "../../media/room";
import type { Peer } from "../../media/peer";
import type { ParticipantIdentity } from "../domain/participants";
import { recordJoin, recordLeave } from "../domain/participants";
import { postChatMessage } from "../domain/chat";
import { DomainError } from "../domain/errors";
import { statusOf } from "../domain/error-status";
import { authorizeAudience, type Audience } from "../domain/survey-access";
import { closeCodes, LINK_EXPIRED, LINK_WITHDRAWN, WITHDRAWN_CLOSE_REASON } from "./close-codes";
import { inviteRefusal } from "../domain/invites";
import { requestEnvelope, requestSchemas, type SignalErrorCode, type SignalMethod, type SignalResponses } from "./protocol";
import { signallingMethodAccess } from "./method-access";
import { ConnectionLimits, OnceLogger, producerMismatch, SIGNALLING_LIMITS } from "./rate-limits";
import { timeAnswer } from "./late-answers";
import { findMalformedInput, safeText } from "../domain/safe-input";
import { iceServersFor } from "../turn/turn-credentials";

// Chat lines end up on every screen and in the evidence PDF: the same rules as claim text, line breaks allowed.
const chatText = safeText({ min: 1, max: 2000, multiline: true });

const MAX_MESSAGE_BYTES = 64 * 1024;
const HEARTBEAT_MS = 10_000;
/**
 * How long a participant whose signalling socket died stays in the call
 * waiting for their page to resume (a drop of up to 30 s, a Wi-Fi → 4G switch,
 * plus the page's reconnect back-off). After it they have left.
 */
export const RESUME_GRACE_MS = 60_000;

class RequestError extends Error {
  constructor(readonly code: SignalErrorCode, message: string) {
    super(message);
  }
}

/** What the upgrade settled: who is in the call, what they are to the survey, and until when their link holds. */
export interface Admission {
  identity: ParticipantIdentity;
  audience: Audience;
  /** An invite's expiry: the connection is dropped then, as a withdrawn link's is. */
  expiresAt: Date | null;
  /** The link the connection came with (null for staff): asked about again when it enters the call. */
  inviteId: string | null;
}

export function runPeerSession(app: AppContext, ws: WebSocket, room: Room, { identity, audience, expiresAt, inviteId }: Admission) {
  const log = app.log.child({ surveyId: identity.surveyId, participantId: identity.participantId, role: identity.role });
  const limits = new ConnectionLimits();
  const failures = new OnceLogger(log);
  const notify = (notification: string, data: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ notification, data }));
  };
  // The participant's media session: made on the first request, or taken over
  // from a lost connection of the same page by `resume` (see holdPeer).
  let peer!: Peer;
  const holdPeer = (p: Peer) => {
    peer = p;
    // Another connection of the same participant took over, or staff withdrew the link: tell this one why it ends.
    p.once("close", (reason) => {
      if (peer !== p || ws.readyState !== ws.OPEN) return;
      if (reason === "replaced") {
        notify("replaced", {});
        ws.close(closeCodes.replaced, "replaced by a newer connection");
      } else if (reason === LINK_WITHDRAWN) {
        ws.close(closeCodes.gone, WITHDRAWN_CLOSE_REASON);
      } else if (reason === LINK_EXPIRED) {
        ws.close(closeCodes.gone, LINK_EXPIRED);
      }
    });
    // The same page resumed on a newer socket: this one is stale (its network is gone); let it go quietly.
    p.once("rebound", () => {
      if (peer !== p) return;
      peer = undefined as unknown as Peer;
      ws.terminate();
    });
  };
  const ensurePeer = () => {
    if (!peer) holdPeer(room.addPeer(identity, notify));
    return peer;
  };
  app.hub.attach(identity.surveyId, ws, inviteId);
  if (expiresAt) app.hub.dropAtExpiry(identity.surveyId, identity.participantId, expiresAt, ws);

  // The leave is written after the join, whatever the timing.
  let joinRecorded: Promise<unknown> = Promise.resolve();
  let alive = true;
  const heartbeat = setInterval(() => {
    if (!alive) {
      log.info("signalling heartbeat lost; dropping participant");
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, HEARTBEAT_MS);
  ws.on("pong", () => (alive = true));

  /**
   * The upgrade checked the link, but it may have been withdrawn (or have run
   * out, or the survey ended) since, and the hub's drop of its holders may have
   * run before this connection was attached. So entering the call (join,
   * resume) asks again; a link that no longer holds ends the connection as the
   * drop would have, and the page shows why.
   */
  const assertLinkHolds = async () => {
    if (!inviteId) return;
    const refusal = await inviteRefusal(app.db, inviteId);
    if (!refusal) return;
    log.info({ code: refusal.code }, "link no longer holds on entering the call; dropping the connection");
    const reason = refusal.code === "INVITE_EXPIRED" ? LINK_EXPIRED : refusal.code === "SURVEY_CLOSED" ? "survey ended" : WITHDRAWN_CLOSE_REASON;
    const held = room.peers.get(identity.participantId);
    if (held && held !== peer) held.close(refusal.code === "INVITE_EXPIRED" ? LINK_EXPIRED : LINK_WITHDRAWN);
    ws.close(statusOf(refusal.code).close, reason);
    throw refusal;
  };

  const handlers: { [M in SignalMethod]: (data: z.output<(typeof requestSchemas)[M]>) => Promise<SignalResponses[M]> } = {
    getRouterRtpCapabilities: async () => ({
      rtpCapabilities: room.router.rtpCapabilities,
      self: { participantId: identity.participantId, role: identity.role, displayName: identity.displayName },
    }),
    createTransport: async ({ direction }) => {
      if ([...peer.transports.values()].some((t) => (t.appData as { direction?: string }).direction === direction)) {
        throw new RequestError("BAD_REQUEST", `a ${direction} transport already exists`);
      }
      // Each join gets its own short-lived TURN credentials; the TURN secret stays here.
      return { ...(await room.createWebRtcTransport(peer, direction)), iceServers: iceServersFor(app.env.turn, identity.participantId) };
    },
    warmUpReceiving: async () => {
      // Each warm-up is a data consumer on the worker: one per connection is all a client needs.
      if (limits.warmUps >= SIGNALLING_LIMITS.warmUpsPerConnection) throw new RequestError("BAD_REQUEST", "the receiving transport is already warmed up");
      limits.warmUps += 1;
      return room.warmUpReceiving(peer);
    },
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await room.connectTransport(peer, transportId, dtlsParameters as unknown as types.DtlsParameters);
      return {};
    },
    join: async ({ rtpCapabilities, device }) => {
      if (!peer.recvTransport()) throw new RequestError("NOT_READY", "create the recv transport before joining");
      await assertLinkHolds();
      const peers = await room.join(peer, rtpCapabilities as unknown as types.RtpCapabilities);
      // The timeline write is not on the media path: the join answers at once.
      notify("recordingState", { ...app.recording.state(identity.surveyId) });
      notifyPendingPhotos();
      joinRecorded = recordJoin(app.db, identity, device ?? {}).catch((err) => log.warn({ err }, "could not record join"));
      return { peers };
    },
    produce: async ({ transportId, kind, rtpParameters, source }) => {
      const mismatch = producerMismatch(kind, source, rtpParameters.codecs);
      if (mismatch) throw new RequestError("BAD_REQUEST", mismatch);
      const producer = await room.produce(peer, { transportId, kind, rtpParameters: rtpParameters as unknown as types.RtpParameters, source });
      return { id: producer.id };
    },
    pauseProducer: async ({ producerId }) => (await room.setProducerPaused(peer, producerId, true), {}),
    resumeProducer: async ({ producerId }) => (await room.setProducerPaused(peer, producerId, false), {}),
    closeProducer: async ({ producerId }) => (room.closeProducer(peer, producerId), {}),
    resumeConsumer: async ({ consumerId }) => (await room.resumeConsumer(peer, consumerId), {}),
    restartIce: async ({ transportId }) => ({
      iceParameters: await room.restartIce(peer, transportId),
      iceServers: iceServersFor(app.env.turn, identity.participantId),
    }),
    chat: async ({ text }) => {
      if (!peer.joined) throw new RequestError("NOT_READY", "join before chatting");
      const wait = limits.chat.take();
      if (wait) throw new RequestError("RATE_LIMITED", `too many chat messages; wait ${wait} ms`);
      const clean = chatText.safeParse(text);
      if (!clean.success) throw new RequestError("BAD_REQUEST", `chat.text: ${clean.error.issues[0]?.message ?? "error.field.invalid"}`);
      text = clean.data;
      const m = await postChatMessage(app.db, identity, text);
      const message = { ...m, at: m.at.toISOString() };
      room.broadcast(peer, "chat", { message });
      return { message };
    },
    recordingConsent: async ({ accepted, noticeVersion, noticeLocale, place }) => {
      if (!peer.joined) throw new RequestError("NOT_READY", "join before answering");
      return { recording: await app.recording.consent(identity, accepted, noticeVersion, noticeLocale, place) };
    },
    pushGuide: async ({ itemKey }) => {
      const target = staffToPolicyholder();
      target.notify("guide", { ...(await app.captures.guideFor(identity.surveyId, itemKey)) });
      return {};
    },
    resume: async ({ transportIds, consumerIds, restartIce }) => {
      if (peer) throw new RequestError("BAD_REQUEST", "resume must be the first request on a connection");
      await assertLinkHolds();
      const held = room.peers.get(identity.participantId);
      const same = held && !held.closed && held.joined && transportIds.every((id) => held.transports.has(id)) && held.transports.size === transportIds.length;
      if (!held || !same) return { resumed: false, peers: [] };
      log.info({ detachedMs: held.detachedAt ? Date.now() - held.detachedAt : null }, "signalling resumed on a new connection");
      held.rebind(notify);
      holdPeer(held);
      room.replayConsumers(held, consumerIds);
      notify("recordingState", { ...app.recording.state(identity.surveyId) });
      notifyPendingPhotos();
      const peers = room.joinedPeers().filter((p) => p !== held).map((p) => p.describe());
      if (!restartIce?.length) return { resumed: true, peers };
      // The page's media broke with its socket: restart ICE now, so the page restarts on its side without asking again.
      const iceRestarts = await Promise.all(
        restartIce.filter((id) => held.transports.has(id)).map(async (transportId) => ({ transportId, iceParameters: await room.restartIce(held, transportId) })),
      );
      return { resumed: true, peers, iceRestarts, iceServers: iceServersFor(app.env.turn, identity.participantId) };
    },
    requestCapture: async ({ itemKey }) => {
      const target = staffToPolicyholder();
      // The phone shows the guide of the item it is about to shoot, not the last one pushed.
      target.notify("guide", { ...(await app.captures.guideFor(identity.surveyId, itemKey)) });
      target.notify("captureRequested", { itemKey, by: identity.role });
      return {};
    },
    setConsumerTileSize: async ({ consumerId, height }) => ({ spatialLayer: await room.setConsumerTileSize(peer, consumerId, height) }),
    reportLinkQuality: async (report) => {
      if (!peer.joined) throw new RequestError("NOT_READY", "join before reporting the link");
      room.relayLinkQuality(peer, report);
      return {};
    },
    endSurvey: async ({ withoutStatement }) => {
      await app.hub.endSurvey(identity.surveyId, { id: identity.participantId, role: identity.role }, "ended_by_agent", withoutStatement);
      return {};
    },
  };

  /** Photos still on their way (a page that reloaded knows nothing of them); not on the join's path. */
  function notifyPendingPhotos() {
    app.captures.pendingUploads(identity.surveyId).then(
      (photos) => notify("capturePending", { photos }),
      (err: unknown) => log.warn({ err }, "could not list pending photo uploads"),
    );
  }

  /** Guides and capture requests go from the agent or adjuster to the policyholder's phone. */
  function staffToPolicyholder() {
    if (!peer.joined) throw new RequestError("NOT_READY", "join first");
    const target = room.joinedPeers().find((p) => p.identity.role === "policyholder");
    if (!target) throw new RequestError("NOT_READY", "the policyholder is not in the survey");
    return target;
  }

  const reply = (payload: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  };

  ws.on("message", async (raw: RawData, isBinary: boolean) => {
    // Refused before parsing: a flood costs this connection, not the room.
    const wait = limits.messages.take();
    if (wait) {
      failures.warn("rate", {}, "signalling messages over the rate limit");
      if (++limits.refusedInARow >= SIGNALLING_LIMITS.maxRefusedInARow) {
        log.warn("signalling connection dropped for flooding");
        ws.close(closeCodes.policyViolation, "too many messages");
        return;
      }
      reply({ id: null, ok: false, error: { code: "RATE_LIMITED", message: `too many messages; wait ${wait} ms` } });
      return;
    }
    limits.refusedInARow = 0;
    const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : (raw as Buffer).byteLength;
    if (isBinary || size > MAX_MESSAGE_BYTES) {
      reply({ id: null, ok: false, error: { code: "BAD_REQUEST", message: "messages must be JSON text under 64 KiB" } });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      reply({ id: null, ok: false, error: { code: "BAD_REQUEST", message: "not JSON" } });
      return;
    }
    const envelope = requestEnvelope.safeParse(json);
    if (!envelope.success) {
      const id = typeof (json as { id?: unknown })?.id === "number" ? (json as { id: number }).id : null;
      reply({ id, ok: false, error: { code: "BAD_REQUEST", message: z.prettifyError(envelope.error) } });
      return;
    }
    const { id, method, data } = envelope.data;
    const malformed = findMalformedInput(data);
    if (malformed) {
      reply({ id, ok: false, error: { code: "BAD_REQUEST", message: `${method}: ${[...malformed.path].join(".") || "data"}: ${malformed.message}` } });
      return;
    }
    const parsed = requestSchemas[method].safeParse(data ?? {});
    if (!parsed.success) {
      reply({ id, ok: false, error: { code: "BAD_REQUEST", message: `${method}: ${z.prettifyError(parsed.error)}` } });
      return;
    }
    const answered = timeAnswer(log, method);
    try {
      // Who may call which method: server/domain/survey-access.ts, through signallingMethodAccess.
      authorizeAudience(audience, signallingMethodAccess[method]);
      if (method !== "resume") ensurePeer();
      const handler = handlers[method] as (d: unknown) => Promise<unknown>;
      reply({ id, ok: true, data: await handler(parsed.data) });
    } catch (err) {
      const code: SignalErrorCode = err instanceof RequestError ? err.code : err instanceof DomainError ? statusOf(err.code).signal : "FAILED";
      const expected = err instanceof RequestError || err instanceof DomainError;
      // Once per method and code, message only: a client repeating a bad request cannot fill the log with stacks.
      if (!expected) failures.warn(`${method}:${code}`, { method, error: err instanceof Error ? err.message : String(err) }, "signalling request failed");
      // An unexpected error's own text (paths, library messages) stays in the log.
      reply({ id, ok: false, error: { code, message: expected ? (err as Error).message : "the request failed" } });
    } finally {
      answered();
    }
  });

  ws.once("close", (code: number) => {
    clearInterval(heartbeat);
    const repeated = failures.summary();
    if (repeated) log.info({ repeated }, "signalling failures not logged again");
    // Taken over by a newer connection (resume), or never got as far as a request.
    if (!peer) return;
    const held = peer;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      const wasJoined = held.joined;
      held.close("disconnected");
      if (wasJoined) {
        void joinRecorded
          .then(() => recordLeave(app.db, identity, "disconnected"))
          .catch((err) => log.warn({ err }, "could not record leave"));
      }
    };
    // A page that closed its socket on purpose (left, tab closed) is gone. A socket that died
    // (1006: network lost, heartbeat) may come back on another network within the grace:
    // the media session waits for the page's `resume`, and the others keep seeing the person.
    if (!held.joined || held.closed || code === 1000 || code === 1001) return leave();
    held.detachedAt = Date.now();
    held.network.troubleSeen("signalling-lost");
    log.info({ code, graceMs: RESUME_GRACE_MS }, "signalling lost; holding the media session for a resume");
    const timer = setTimeout(() => {
      if (held.detachedAt !== null && !held.closed) leave();
    }, RESUME_GRACE_MS);
    timer.unref();
    held.once("rebound", () => clearTimeout(timer));
    // Replaced by a fresh page (a reload), the survey ended or the link was withdrawn while waiting: that is the leave.
    held.once("close", () => {
      clearTimeout(timer);
      if (held.detachedAt !== null) leave();
    });
  });
}
