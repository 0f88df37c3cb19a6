// The survey signalling protocol over WebSocket, as zod schemas shared by the
// server and the browser: one source for validation and for the client's types.
//   client → server  { id, method, data }          (request)
//   server → client  { id, ok: true, data }        (response)
//                    { id, ok: false, error }      (error response)
//                    { notification, data }        (push)
import { z } from "zod";
import { endWithoutStatementSchema } from "../domain/statement-end-reason";
import { placeReportSchema } from "../domain/place-report";

const objectId = z.string().min(1).max(64);
// mediasoup validates the inner structure of RTP/DTLS objects itself; here we
// only guarantee shape and size so garbage never reaches the worker.
const looseObject = z.looseObject({});

export const requestSchemas = {
  getRouterRtpCapabilities: z.object({}),
  createTransport: z.object({ direction: z.enum(["send", "recv"]) }),
  warmUpReceiving: z.object({}),
  connectTransport: z.object({
    transportId: objectId,
    dtlsParameters: z.looseObject({ fingerprints: z.array(looseObject).min(1).max(8), role: z.enum(["auto", "client", "server"]).optional() }),
  }),
  join: z.object({
    rtpCapabilities: z.looseObject({ codecs: z.array(looseObject).max(64).optional(), headerExtensions: z.array(looseObject).max(64).optional() }),
    device: z
      .object({ userAgent: z.string().max(400).optional(), viewport: z.string().max(40).optional(), handler: z.string().max(60).optional() })
      .optional(),
  }),
  produce: z.object({
    transportId: objectId,
    kind: z.enum(["audio", "video"]),
    rtpParameters: z.looseObject({ codecs: z.array(looseObject).min(1).max(16), encodings: z.array(looseObject).max(8).optional() }),
    source: z.enum(["mic", "cam", "screen"]),
  }),
  pauseProducer: z.object({ producerId: objectId }),
  resumeProducer: z.object({ producerId: objectId }),
  closeProducer: z.object({ producerId: objectId }),
  resumeConsumer: z.object({ consumerId: objectId }),
  restartIce: z.object({ transportId: objectId }),
  chat: z.object({ text: z.string().trim().min(1).max(2000) }),
  // Without the driver's signed statement only with a reason (server/domain/statement-end-rule.ts).
  endSurvey: z.object({ withoutStatement: endWithoutStatementSchema.optional() }),
  /** The policyholder's answer to the recording notice (双录 consent). */
  // The language the notice was shown in: the evidence must quote what this person read.
  recordingConsent: z.object({
    accepted: z.boolean(),
    noticeVersion: z.string().min(1).max(40),
    noticeLocale: z.enum(["zh-CN", "en"]).optional(),
    // Where the phone was when the driver answered, or why that is unknown (server/domain/place-report.ts).
    place: placeReportSchema.optional(),
  }),
  /** Agent or adjuster: show a checklist item's guide on the policyholder's phone. */
  pushGuide: z.object({ itemKey: z.string().min(1).max(64) }),
  /** Agent or adjuster: ask the policyholder's phone to take the photo now. */
  requestCapture: z.object({ itemKey: z.string().min(1).max(64) }),
  /**
   * First message on a new socket of a page that was in the call (its network
   * changed or dropped): take over the participant's existing media session
   * (same transports) instead of joining again.
   */
  resume: z.object({
    transportIds: z.array(objectId).min(1).max(4),
    consumerIds: z.array(objectId).max(256),
    /** Transports whose ICE broke on the page: restarted with the resume, their parameters in the answer (one round trip less). */
    restartIce: z.array(objectId).max(4).optional(),
  }),
  /** How large this client draws a remote video (device pixels): the server forwards the simulcast layer that fills it. */
  setConsumerTileSize: z.object({ consumerId: objectId, width: z.number().int().min(0).max(16_384), height: z.number().int().min(0).max(16_384) }),
  /** This client's own uplink as its getStats sees it; relayed to the others as peerLinkQuality. */
  reportLinkQuality: z.object({
    level: z.enum(["good", "fair", "poor"]),
    videoMode: z.enum(["full", "low", "audio-only"]),
    rttMs: z.number().min(0).max(600_000).nullable(),
    lossPct: z.number().min(0).max(100).nullable(),
    kbps: z.number().min(0).max(10_000_000).nullable(),
  }),
} as const;

export type SignalMethod = keyof typeof requestSchemas;
export type SignalRequestData<M extends SignalMethod> = z.input<(typeof requestSchemas)[M]>;

export const requestEnvelope = z.object({
  id: z.number().int().nonnegative(),
  method: z.enum(Object.keys(requestSchemas) as [SignalMethod, ...SignalMethod[]]),
  data: z.unknown().optional(),
});

export interface PeerInfo {
  participantId: string;
  role: "policyholder" | "agent" | "adjuster";
  displayName: string;
}

export interface ChatMessageWire {
  id: string;
  seq: number;
  at: string;
  participantId: string | null;
  role: string | null;
  displayName: string;
  text: string;
}

export interface TransportInfo {
  id: string;
  iceParameters: unknown;
  iceCandidates: unknown[];
  dtlsParameters: unknown;
  sctpParameters?: unknown;
  /** TURN servers with this participant's short-lived credentials (server/turn); empty without TURN. */
  iceServers: { urls: string[]; username: string; credential: string }[];
}

export interface SignalResponses {
  getRouterRtpCapabilities: { rtpCapabilities: unknown; self: PeerInfo };
  createTransport: TransportInfo;
  connectTransport: Record<string, never>;
  warmUpReceiving: { id: string; dataProducerId: string; sctpStreamParameters: unknown; label: string; protocol: string };
  join: { peers: PeerInfo[] };
  produce: { id: string };
  pauseProducer: Record<string, never>;
  resumeProducer: Record<string, never>;
  closeProducer: Record<string, never>;
  resumeConsumer: Record<string, never>;
  /** iceServers: fresh TURN credentials for the restarted connection. */
  restartIce: { iceParameters: unknown; iceServers: TransportInfo["iceServers"] };
  chat: { message: ChatMessageWire };
  endSurvey: Record<string, never>;
  recordingConsent: { recording: RecordingStateWire };
  pushGuide: Record<string, never>;
  requestCapture: Record<string, never>;
  /** resumed false: the session is gone (left, replaced, survey restarted); join afresh. */
  resume: { resumed: boolean; peers: PeerInfo[]; iceRestarts?: { transportId: string; iceParameters: unknown }[]; iceServers?: TransportInfo["iceServers"] };
  setConsumerTileSize: { spatialLayer: number | null };
  reportLinkQuality: Record<string, never>;
}

export interface RecordingStateWire {
  /** awaiting-consent: asked, no answer yet; recording: consent given, the recorder runs (see `tracks` for what is written) */
  state: "awaiting-consent" | "recording" | "refused" | "stopped" | "failed";
  since: string | null;
  /** Why recording is not running (e.g. DISK_FULL, CONSENT_REFUSED), for the agent. */
  reason: string | null;
  /** Every track that should be recorded now, one per participant × kind (empty before consent). */
  tracks: RecordingTrackWire[];
  /** True only while every expected track (not paused) is being written: the REC mark. */
  complete: boolean;
}

export interface RecordingTrackWire {
  participantId: string;
  role: PeerInfo["role"];
  displayName: string;
  kind: "audio" | "video";
  /** starting: muxer starting, first frame awaited; retrying: an attempt failed, another follows; failed: no retry (DISK_FULL). */
  state: "starting" | "recording" | "retrying" | "failed";
  /** Camera off / muted: nothing is expected, so nothing is missing. */
  paused: boolean;
  /** A RecordingErrorCode when not recording because of a failure; the page translates it. */
  code: string | null;
  /** Also in the server log, so support can find the failure. */
  errorId: string | null;
  since: string;
}

export interface GuideWire {
  itemKey: string;
  label: { "zh-CN": string; en: string };
  instruction: { "zh-CN": string; en: string };
  overlay: string | null;
  /** The camera this shot needs (the identity step's face: the front camera; everything else the rear one); absent: whichever is on. */
  facing?: "user" | "environment";
}

export interface CaptureWire {
  id: string;
  itemKey: string;
  verdict: "accepted" | "rejected";
  overridden: boolean;
  reasons: { code: string; message: { "zh-CN": string; en: string }; hint: { "zh-CN": string; en: string } }[];
  scores: Record<string, number>;
  thumbUrl: string;
  capturedAt: string | null;
  participantId: string;
  /** The phone's key for this photo (its idempotency key): matches the provisional verdict and upload progress. */
  key: string;
  /** SHA-256 of the original as stored: the phone keeps the photo until it sees this. */
  sha256: string;
  /** The compact copy's quick verdict, when the phone sent one first. */
  provisional: { verdict: "accepted" | "rejected"; sha256: string; reasons: CaptureWire["reasons"] } | null;
  /** The original's verdict differs from the compact copy's: the agent is told. */
  disagrees: boolean;
}

/** The quick verdict on the compact copy of a photo whose original is still on its way. */
export interface ProvisionalCaptureWire {
  key: string;
  itemKey: string;
  verdict: "accepted" | "rejected";
  reasons: CaptureWire["reasons"];
  sha256: string;
  participantId: string;
}

/** A photo whose original has not arrived yet, as the server knows it (sent to a page when it joins). */
export interface PendingPhotoWire {
  key: string;
  itemKey: string;
  provisional: ProvisionalCaptureWire | null;
  /** Bytes of the original the server holds, of `total` (0/0: none yet). */
  received: number;
  total: number;
}

export interface NewConsumerNotification {
  id: string;
  producerId: string;
  kind: "audio" | "video";
  rtpParameters: unknown;
  producerPaused: boolean;
  participantId: string;
  role: PeerInfo["role"];
  displayName: string;
  source: "mic" | "cam" | "screen";
}

export interface SignalNotifications {
  peerJoined: PeerInfo;
  peerLeft: { participantId: string; reason: string };
  newConsumer: NewConsumerNotification;
  consumerClosed: { consumerId: string };
  consumerPaused: { consumerId: string };
  consumerResumed: { consumerId: string };
  chat: { message: ChatMessageWire };
  surveyEnded: { by: string };
  replaced: Record<string, never>;
  recordingState: RecordingStateWire;
  guide: GuideWire;
  captureRequested: { itemKey: string; by: string };
  captureAssessed: { capture: CaptureWire };
  /** A compact copy was judged; the original is still uploading. */
  captureProvisional: { provisional: ProvisionalCaptureWire };
  /** Bytes of a photo's original the server holds so far (resumable upload). */
  captureUploadProgress: { key: string; itemKey: string; received: number; total: number };
  /** On join and resume: every photo of the survey still on its way, so a reloaded page shows them again. */
  capturePending: { photos: PendingPhotoWire[] };
  /** Something staff must see at once (e.g. recording stopped: disk full). `message`: English fallback; pages translate `code`. */
  alert: { code: string; message: string; errorId?: string };
  /** Another participant's uplink, as they measure it (reportLinkQuality). */
  peerLinkQuality: LinkQualityWire & { participantId: string };
}

export type LinkQualityWire = z.output<(typeof requestSchemas)["reportLinkQuality"]>;

export type SignalErrorCode = "BAD_REQUEST" | "FORBIDDEN" | "NOT_READY" | "FAILED" | "RATE_LIMITED";

export { closeCodes } from "./close-codes";
