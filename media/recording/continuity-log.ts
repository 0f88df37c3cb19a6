// Append-only JSON-lines log of what happened to one recorded track. Each entry
// is written as soon as it is known (one write per line), so after a crash the
// log still tells which stretches of the media file are real and which are gaps.
import { z } from "zod";
import { writeFailure } from "./recording-error";
import type { StorageWriter } from "./storage/recording-storage";

export const continuityEntrySchema = z.object({
  v: z.literal(1),
  // layers: the simulcast layer written from here on changed (the sender's uplink
  // dropped or regained a layer); the file stays one decodable VP8 stream.
  type: z.enum(["start", "stop", "pause", "resume", "gap", "layers"]),
  /** Wall-clock time of the event, ISO 8601 UTC. */
  at: z.string(),
  trackId: z.string(),
  /** RTP timestamp (consumer side, 32-bit) of the packet that marks the event, when one does. */
  rtpTimestamp: z.number().nullable(),
  /**
   * Position in the media file's timeline in ms (0 = the first frame). Exact
   * (from RTP) on start/resume; extrapolated from wall-clock on pause/stop/gap.
   */
  mediaTimeMs: z.number().nullable(),
  /** gap: why the media has a hole. stop: why the track ended. */
  cause: z
    .enum(["rejoin", "replaced", "muxer-restart", "packet-loss", "producer-closed", "removed", "recorder-closed", "error", "server-crash", "network", "tail-not-written", "no-frames"])
    .optional(),
  // 'tail-not-written' (gap only, just before the stop): the file ends gapMs before the last media
  // forwarded to it (its muxer stopped reading, or was cut off); logged at the stop, where it is measured.
  // 'no-frames' (gap only, logged at the stop): the video file has no frame for gapMs up to mediaTimeMs
  // (its sender stopped sending the layer written until mediasoup had a keyframe of another; or it stalled before the stop).
  // 'network' (gap only): the participant's connection broke (blackout, new address) and recovered by an ICE restart.
  // 'server-crash' (stop only): written at the next start by the product's
  // crash recovery for a track whose server was killed; `at` = the file's last write.
  /** gap/resume: length of the hole in wall-clock ms. */
  gapMs: z.number().optional(),
  /** gap (packet-loss): packets lost (after NACK repair) on the way in, within gapMs. */
  lostPackets: z.number().optional(),
  /** gap (rejoin/replaced): the file that the previous producer of this participant+kind wrote. */
  previousFile: z.string().optional(),
  /** start: when recording of this producer was asked for; startupGapMs = `at` − requestedAt (muxer start-up, keyframe wait). */
  requestedAt: z.string().optional(),
  startupGapMs: z.number().optional(),
  /** start: identity of what is recorded. */
  producerId: z.string().optional(),
  participantId: z.string().optional(),
  kind: z.enum(["audio", "video"]).optional(),
  codec: z.string().optional(),
  file: z.string().optional(),
  /** layers: the spatial and temporal layer now written (0 = lowest; null: none arrives). */
  spatialLayer: z.number().int().nullable().optional(),
  temporalLayer: z.number().int().nullable().optional(),
});
export type ContinuityEntry = z.infer<typeof continuityEntrySchema>;

export class ContinuityLog {
  readonly entries: ContinuityEntry[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly writer: StorageWriter,
    private readonly onError: (err: Error) => void,
  ) {}

  append(entry: ContinuityEntry): void {
    this.entries.push(entry);
    if (this.failed) return;
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    this.chain = this.chain.then(() =>
      this.writer.write(line).catch((err) => {
        this.failed = true;
        this.onError(writeFailure(err, "continuity log write failed", entry.trackId));
      }),
    );
  }

  async close(): Promise<void> {
    await this.chain;
    try {
      if (!this.failed) await this.writer.sync();
    } catch (err) {
      this.onError(writeFailure(err, "continuity log sync failed"));
    }
    await this.writer.close().catch(() => {});
  }
}
