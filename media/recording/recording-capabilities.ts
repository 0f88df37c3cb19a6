// What the recording consumer tells mediasoup it can receive. ffmpeg sends no
// congestion feedback (no transport-cc, no REMB), so a consumer that declares
// either makes mediasoup run a bandwidth estimate on the loopback fed by
// nothing: it stays at its 600 kbit/s start value, the simulcast layer written
// is chosen to fit it (a phone's best layer is often above), and every few
// seconds the estimator's probe packets (payload type 127, their own sequence
// numbers) land in ffmpeg's RTP reorder queue as stray packets. Without them
// the consumer forwards the best layer the sender sends and nothing else.
import type { types as ms } from "mediasoup";

const BANDWIDTH_FEEDBACK = new Set(["transport-cc", "goog-remb"]);
const BANDWIDTH_HEADER_EXTENSIONS = new Set([
  "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
  "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
]);

/** The router's capabilities without the feedback and header extensions of bandwidth estimation. */
export function recordingRtpCapabilities(router: ms.RtpCapabilities): ms.RtpCapabilities {
  return {
    codecs: (router.codecs ?? []).map((c) => ({ ...c, rtcpFeedback: (c.rtcpFeedback ?? []).filter((f) => !BANDWIDTH_FEEDBACK.has(f.type)) })),
    headerExtensions: (router.headerExtensions ?? []).filter((h) => !BANDWIDTH_HEADER_EXTENSIONS.has(h.uri)),
  };
}
