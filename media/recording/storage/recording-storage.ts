// Where recordings live. The recorder writes every object in progress to a
// local file first (the muxer appends, ffmpeg remuxes, a crash must leave the
// bytes on disk), so even a remote backend has a local spool; `finalise` is the
// moment an object becomes immutable evidence and, for a remote backend, is
// uploaded. Keys are relative POSIX paths such as `survey-1/agent-video-1.webm`.
import type { PendingUpload } from "./pending-uploads";
import type { Readable } from "node:stream";
import { z } from "zod";

export interface StoredObject {
  key: string;
  size: number;
  /** Hex SHA-256 of the finalised bytes; absent in `list` for objects still in progress. */
  sha256?: string;
  /** A URL-like location: `file:///abs/path` or `s3://bucket/key`. */
  location: string;
  modifiedAt: Date;
  /** Final and whole locally, but the remote store has not taken it yet (retried in the background). */
  pendingUpload?: boolean;
}

/** Appends to one object in progress. Not safe for concurrent writes: callers serialise. */
export interface StorageWriter {
  readonly key: string;
  write(data: Uint8Array): Promise<void>;
  /** Flushes to stable storage (fdatasync); called on finalise, not per write. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Inclusive byte range, as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface RecordingStorage {
  readonly kind: "local" | "s3";
  /** Creates (or truncates) an object in progress and returns its writer. */
  put(key: string): Promise<StorageWriter>;
  /**
   * Path of the object's bytes on this machine while it is in progress (spool).
   * A finalised object of a remote backend may no longer be there: readers
   * that need a file use `ensureLocal`.
   */
  localPath(key: string): string;
  /** Makes the object durable and immutable; returns its size and SHA-256. */
  finalise(key: string): Promise<StoredObject>;
  /**
   * A local file with the object's bytes, fetched into the spool when a remote
   * backend evicted it. Pair every call with `releaseLocal` once the file is no
   * longer read, so a remote backend can evict it again.
   */
  ensureLocal(key: string): Promise<string>;
  releaseLocal(key: string): Promise<void>;
  /** Stops background work (queued uploads); what is still owed resumes at the next start. */
  close?(): void;
  /** How many finished objects the remote store has not taken yet (0 for local disk). */
  pendingUploadCount?(): Promise<number>;
  /** The uploads owed to the remote store, each with its last failure's code and error id. */
  pendingUploads?(): Promise<PendingUpload[]>;
  /** When owed uploads are next retried by themselves. */
  nextUploadAttemptAt?(): Date | null;
  /** Retries every owed upload now; resolves to how many are still owed. */
  flushPendingUploads?(): Promise<number>;
  /** Size (and SHA-256 where known) of one object, or null when there is none. */
  stat(key: string): Promise<StoredObject | null>;
  open(key: string, range?: ByteRange): Promise<Readable>;
  list(prefix: string): Promise<StoredObject[]>;
  delete(key: string): Promise<void>;
}

/** Rejects keys that could escape the storage root or collide across OSes. */
export const storageKeySchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "storage key must be a relative path of [A-Za-z0-9._-] segments")
  .refine((k) => !k.split("/").some((s) => s === "." || s === ".."), "storage key must not contain . or .. segments");

/** A listing prefix: "" (everything) or a key-shaped folder, with or without the trailing slash. */
export function folderPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed ? `${storageKeySchema.parse(trimmed)}/` : "";
}
