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
import { closeCodes, LINK_WITHDRAWN } from "./close-codes";
import { requestEnvelope, requestSchemas, type SignalErrorCode, type SignalMethod, type SignalResponses } from "./protocol";

const MAX_MESSAGE_BYTES = 64 * 1024;
const HEARTBEAT_MS = 10_000;

class RequestError extends Error {
  constructor(readonly code: SignalErrorCode, message: string) {
    super(message);
  }
}

export function runPeerSession(app: AppContext, ws: WebSocket, room: Room, identity: ParticipantIdentity) {
  const log = app.log.child({ surveyId: identity.surveyId, participantId: identity.participantId, role: identity.role });
  const notify = (notification: string, data: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ notification, data }));
  };
  const peer = room.addPeer(identity, notify);
  // Another connection of the same participant took over, or staff withdrew the link: tell this one why it ends.
  peer.once("close", (reason) => {
    if (ws.readyState !== ws.OPEN) return;
    if (reason === "replaced") {
      notify("replaced", {});
      ws.close(closeCodes.replaced, "replaced by a newer connection");
    } else if (reason === LINK_WITHDRAWN) {
      ws.close(closeCodes.gone, "the link was withdrawn");
    }
  });
  app.hub.attach(identity.surveyId, ws);

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

  const handlers: { [M in SignalMethod]: (data: z.output<(typeof requestSchemas)[M]>) => Promise<SignalResponses[M]> } = {
    getRouterRtpCapabilities: async () => ({
      rtpCapabilities: room.router.rtpCapabilities,
      self: { participantId: identity.participantId, role: identity.role, displayName: identity.displayName },
    }),
    createTransport: async ({ direction }) => {
      if ([...peer.transports.values()].some((t) => (t.appData as { direction?: string }).direction === direction)) {
        throw new RequestError("BAD_REQUEST", `a ${direction} transport already exists`);
      }
      return room.createWebRtcTransport(peer, direction);
    },
    warmUpReceiving: async () => room.warmUpReceiving(peer),
    connectTransport: async ({ transportId, dtlsParameters }) => {
      await room.connectTransport(peer, transportId, dtlsParameters as unknown as types.DtlsParameters);
      return {};
    },
    join: async ({ rtpCapabilities, device }) => {
      if (!peer.recvTransport()) throw new RequestError("NOT_READY", "create the recv transport before joining");
      const peers = await room.join(peer, rtpCapabilities as unknown as types.RtpCapabilities);
      // The timeline write is not on the media path: the join answers at once.
      notify("recordingState", { ...app.recording.state(identity.surveyId) });
      joinRecorded = recordJoin(app.db, identity, device ?? {}).catch((err) => log.warn({ err }, "could not record join"));
      return { peers };
    },
    produce: async ({ transportId, kind, rtpParameters, source }) => {
      const producer = await room.produce(peer, { transportId, kind, rtpParameters: rtpParameters as unknown as types.RtpParameters, source });
      return { id: producer.id };
    },
    pauseProducer: async ({ producerId }) => (await room.setProducerPaused(peer, producerId, true), {}),
    resumeProducer: async ({ producerId }) => (await room.setProducerPaused(peer, producerId, false), {}),
    closeProducer: async ({ producerId }) => (room.closeProducer(peer, producerId), {}),
    resumeConsumer: async ({ consumerId }) => (await room.resumeConsumer(peer, consumerId), {}),
    restartIce: async ({ transportId }) => ({ iceParameters: await room.restartIce(peer, transportId) }),
    chat: async ({ text }) => {
      if (!peer.joined) throw new RequestError("NOT_READY", "join before chatting");
      const m = await postChatMessage(app.db, identity, text);
      const message = { ...m, at: m.at.toISOString() };
      room.broadcast(peer, "chat", { message });
      return { message };
    },
    recordingConsent: async ({ accepted, noticeVersion, noticeLocale }) => {
      if (identity.role !== "policyholder") throw new RequestError("FORBIDDEN", "only the policyholder answers the recording notice");
      if (!peer.joined) throw new RequestError("NOT_READY", "join before answering");
      return { recording: await app.recording.consent(identity, accepted, noticeVersion, noticeLocale) };
    },
    pushGuide: async ({ itemKey }) => {
      const target = staffToPolicyholder();
      target.notify("guide", { ...(await app.captures.guideFor(identity.surveyId, itemKey)) });
      return {};
    },
    requestCapture: async ({ itemKey }) => {
      const target = staffToPolicyholder();
      // The phone shows the guide of the item it is about to shoot, not the last one pushed.
      target.notify("guide", { ...(await app.captures.guideFor(identity.surveyId, itemKey)) });
      target.notify("captureRequested", { itemKey, by: identity.role });
      return {};
    },
    endSurvey: async () => {
      if (identity.role !== "agent") throw new RequestError("FORBIDDEN", "only the claims agent can end the survey");
      await app.hub.endSurvey(identity.surveyId, { id: identity.participantId, role: identity.role });
      return {};
    },
  };

  /** Guides and capture requests go from the agent or adjuster to the policyholder's phone. */
  function staffToPolicyholder() {
    if (identity.role === "policyholder") throw new RequestError("FORBIDDEN", "only the agent or the adjuster guides the capture");
    if (!peer.joined) throw new RequestError("NOT_READY", "join first");
    const target = room.joinedPeers().find((p) => p.identity.role === "policyholder");
    if (!target) throw new RequestError("NOT_READY", "the policyholder is not in the survey");
    return target;
  }

  const reply = (payload: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(payload));
  };

  ws.on("message", async (raw: RawData, isBinary: boolean) => {
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
    const parsed = requestSchemas[method].safeParse(data ?? {});
    if (!parsed.success) {
      reply({ id, ok: false, error: { code: "BAD_REQUEST", message: `${method}: ${z.prettifyError(parsed.error)}` } });
      return;
    }
    try {
      const handler = handlers[method] as (d: unknown) => Promise<unknown>;
      reply({ id, ok: true, data: await handler(parsed.data) });
    } catch (err) {
      const code: SignalErrorCode =
        err instanceof RequestError ? err.code : err instanceof DomainError && err.code === "FORBIDDEN" ? "FORBIDDEN" : "FAILED";
      if (!(err instanceof RequestError)) log.warn({ err, method }, "signalling request failed");
      reply({ id, ok: false, error: { code, message: err instanceof Error ? err.message : String(err) } });
    }
  });

  ws.once("close", () => {
    clearInterval(heartbeat);
    const wasJoined = peer.joined;
    peer.close("disconnected");
    if (wasJoined) {
      void joinRecorded
        .then(() => recordLeave(app.db, identity, "disconnected"))
        .catch((err) => log.warn({ err }, "could not record leave"));
    }
  });
}
