// What the browser sends: the camera as VP8 simulcast in the layers of
// media/simulcast-layers.ts (each receiver then gets the layer its tile and
// bandwidth allow, the recording the best one), and the microphone first in
// line for bandwidth, with Opus in-band FEC so that a lost packet is
// concealed from the next one instead of heard as a click.
import type { types } from "mediasoup-client";
import { CAMERA_LAYERS, TEMPORAL_LAYERS } from "../../../media/simulcast-layers";

/** Camera encodings, lowest layer first. A fresh array each call: mediasoup-client writes rids into it. */
export function cameraEncodings(): types.RtpEncodingParameters[] {
  return CAMERA_LAYERS.map((l) => ({
    scaleResolutionDownBy: l.scaleResolutionDownBy,
    maxBitrate: l.maxBitrate,
    ...(l.maxFramerate ? { maxFramerate: l.maxFramerate } : {}),
    scalabilityMode: `L1T${TEMPORAL_LAYERS}`,
  }));
}

/**
 * Microphone: `priority` makes the browser's bandwidth allocator serve audio
 * before video when the uplink shrinks (video degrades first); DSCP marking
 * (`networkPriority`) helps where a Wi-Fi honours it.
 */
export function microphoneEncodings(): types.RtpEncodingParameters[] {
  return [{ priority: "high", networkPriority: "high" }];
}

/** Opus with in-band FEC (the router's codec says useinbandfec=1 too), mono, DTX. */
export const MICROPHONE_CODEC_OPTIONS: types.ProducerCodecOptions = { opusStereo: false, opusDtx: true, opusFec: true };
