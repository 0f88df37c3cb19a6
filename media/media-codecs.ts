// The codecs a survey room offers. Opus and VP8 are the common ground of
// Chrome, Firefox and Safari ≥ 12.1; H.264 constrained baseline is kept for
// older iOS devices whose VP8 encoder is slow. Recording stores them as-is.
import type { types } from "mediasoup";

export const mediaCodecs: types.RouterRtpCodecCapability[] = [
  { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2, parameters: { useinbandfec: 1, usedtx: 1 } },
  { kind: "video", mimeType: "video/VP8", clockRate: 90000, parameters: { "x-google-start-bitrate": 600 } },
  {
    kind: "video",
    mimeType: "video/H264",
    clockRate: 90000,
    parameters: { "packetization-mode": 1, "profile-level-id": "42e01f", "level-asymmetry-allowed": 1, "x-google-start-bitrate": 600 },
  },
];
