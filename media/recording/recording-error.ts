// One error type with a stable code, so the Room can react (tell the agent the
// recording stopped, page ops on DISK_FULL) without parsing messages.

export type RecordingErrorCode =
  /** ENOSPC/EDQUOT while writing media (reported by ffmpeg) or the continuity log. */
  | "DISK_FULL"
  /** Any other write failure, or the ffmpeg muxer died (permissions, I/O error, storage backend). */
  | "WRITE_FAILED"
  /** mediasoup refused to create the recording consumer or transport. */
  | "CONSUME_FAILED";

export class RecordingError extends Error {
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
