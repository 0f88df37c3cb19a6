// Writes one track's frames into a WebM file with mediabunny in append-only
// mode: Segment and Clusters have "unknown" sizes and nothing is ever patched
// in place, so the file is valid at every byte boundary. That is what makes a
// recording interrupted by SIGKILL or power loss playable up to its last flush.
// The price (no Duration, no Cues) is paid back by the remux in finalise-recording.ts.
import {
  AppendOnlyStreamTarget,
  EncodedAudioPacketSource,
  EncodedPacket,
  EncodedVideoPacketSource,
  Output,
  WebMOutputFormat,
} from "mediabunny";
import { BufferedAppender } from "./buffered-appender";
import type { StorageWriter } from "./storage/recording-storage";

/** OpusHead (RFC 7845 §5.1); RTP does not carry it, Matroska's A_OPUS requires it. */
function opusHead(channels: number): Uint8Array {
  const head = Buffer.alloc(19);
  head.write("OpusHead", 0, "ascii");
  head[8] = 1; // version
  head[9] = channels;
  head.writeUInt16LE(0, 10); // pre-skip: unknown mid-stream, 0 keeps the first frame
  head.writeUInt32LE(48000, 12);
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // mapping family 0: mono/stereo
  return head;
}

export class WebmTrackWriter {
  private readonly appender: BufferedAppender;
  private readonly output: Output;
  private readonly source: EncodedVideoPacketSource | EncodedAudioPacketSource;
  private chain: Promise<void>;
  private first = true;
  private failure: unknown;
  framesWritten = 0;

  constructor(
    writer: StorageWriter,
    private readonly kind: "audio" | "video",
    private readonly onError: (err: unknown) => void,
  ) {
    this.appender = new BufferedAppender(writer, (err) => this.fail(err));
    const appender = this.appender;
    this.output = new Output({
      format: new WebMOutputFormat({ appendOnly: true, minimumClusterDuration: 1 }),
      target: new AppendOnlyStreamTarget(
        new WritableStream<Uint8Array>({
          write(chunk) {
            appender.append(chunk);
          },
        }),
      ),
    });
    if (kind === "video") {
      this.source = new EncodedVideoPacketSource("vp8");
      this.output.addVideoTrack(this.source);
    } else {
      this.source = new EncodedAudioPacketSource("opus");
      this.output.addAudioTrack(this.source);
    }
    this.chain = this.output.start().catch((err) => this.fail(err));
  }

  get bytesWritten(): number {
    return this.appender.bytesWritten;
  }

  /**
   * Queues one frame. `timestampS` is the frame's position in this file's
   * timeline; `width`/`height` are needed for the first (key)frame of video.
   */
  addFrame(data: Uint8Array, keyframe: boolean, timestampS: number, durationS: number, size?: { width: number; height: number }): void {
    if (this.failure !== undefined) return;
    const packet = new EncodedPacket(data, keyframe ? "key" : "delta", timestampS, durationS);
    let meta: Parameters<EncodedVideoPacketSource["add"]>[1] | Parameters<EncodedAudioPacketSource["add"]>[1];
    if (this.first) {
      this.first = false;
      meta =
        this.kind === "video"
          ? { decoderConfig: { codec: "vp8", codedWidth: size?.width ?? 640, codedHeight: size?.height ?? 480 } }
          : { decoderConfig: { codec: "opus", numberOfChannels: 2, sampleRate: 48000, description: opusHead(2) } };
    }
    this.framesWritten++;
    const source = this.source;
    this.chain = this.chain.then(() =>
      this.failure === undefined
        ? (source.add(packet, meta as never) as Promise<void>).catch((err) => this.fail(err))
        : undefined,
    );
  }

  /** Writes the trailer, fsyncs and closes the file. Safe to call after a failure. */
  async finish(): Promise<void> {
    await this.chain;
    if (this.failure === undefined && this.framesWritten > 0) {
      await this.output.finalize().catch((err) => this.fail(err));
    } else {
      await this.output.cancel().catch(() => {});
    }
    await this.appender.close();
  }

  private fail(err: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.onError(err);
  }
}
