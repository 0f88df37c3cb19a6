// The SDP that tells ffmpeg what the recording consumer sends: one m-line with
// the consumer's payload type and codec, on the ports ffmpeg is to bind.
import type { types as ms } from "mediasoup";

export function sdpForConsumer(rtpParameters: ms.RtpParameters, kind: "audio" | "video", port: number, host = "127.0.0.1"): string {
  const codec = rtpParameters.codecs[0]!;
  const name = codec.mimeType.split("/")[1]!;
  const channels = kind === "audio" && codec.channels ? `/${codec.channels}` : "";
  return [
    "v=0",
    `o=- 0 0 IN IP4 ${host}`,
    "s=recording",
    `c=IN IP4 ${host}`,
    "t=0 0",
    `m=${kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${channels}`,
    "a=recvonly",
    "",
  ].join("\r\n");
}
