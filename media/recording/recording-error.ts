// One error type with a stable code, so the Room can react (tell the agent the
// recording stopped, page ops on DISK_FULL) without parsing messages. Each
// error carries an id that is written to the server log with it: screens show
// the id and a translated message, never the raw text.
import { randomBytes } from "node:crypto";

export type RecordingErrorCode =
  /** ENOSPC/EDQUOT while writing media (reported by ffmpeg) or the continuity log. */
  | "DISK_FULL"
  /** Any other write failure, or the ffmpeg muxer died (permissions, I/O error, storage backend). */
  | "WRITE_FAILED"
  /** mediasoup refused to create the recording consumer or transport. */
  | "CONSUME_FAILED"
  /** ffmpeg exited, or stayed stuck, before it listened on its RTP port (retried). */
  | "MUXER_START_FAILED"
  /** ffmpeg exited on its own while recording (the track goes on in a new file). */
  | "MUXER_DIED"
  /** ffmpeg stayed alive but wrote nothing while media flowed (killed; the track goes on in a new file). */
  | "MUXER_STALLED";

/** A short id for one failure, printed in the server log and shown on screens. */
export function newErrorId(): string {
  return `rec-${randomBytes(5).toString("hex")}`;
}

export class RecordingError extends Error {
  readonly errorId = newErrorId();
  constructor(
    readonly code: RecordingErrorCode,
    message: string,
    readonly trackId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RecordingError";
  }
}

export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/** Wraps a low-level write failure, classifying a full disk as DISK_FULL. */
export function writeFailure(err: unknown, what: string, trackId?: string): RecordingError {
  if (err instanceof RecordingError) return err;
  const code = isDiskFull(err) ? "DISK_FULL" : "WRITE_FAILED";
  return new RecordingError(code, `${what}: ${(err as Error)?.message ?? String(err)}`, trackId, { cause: err });
}
