// Picks the recording storage backend from configuration (e.g. parsed from the
// environment by the server). Local disk is the default and the only backend
// implemented and tested today.
//
// S3-compatible backend (TODO, not implemented): the intended design keeps the
// local spool (`spoolDir`) as the write path — the muxer appends, a crash leaves
// playable bytes there — and `finalise(key)` uploads the finished file with
// `@aws-sdk/lib-storage`'s multipart `Upload` (S3, MinIO, Ceph RGW via
// `endpoint` + `forcePathStyle`), records the SHA-256 as object metadata
// (`x-amz-meta-sha256`, plus `ChecksumSHA256` where supported), sets Object Lock
// retention for the 5–10 year evidence period when `retentionDays` is given,
// then deletes the spool copy. `open`/`list`/`delete` map to GetObject,
// ListObjectsV2 and DeleteObject. It is not written because no S3-compatible
// server is available on this machine to test it against.
import { z } from "zod";
import { LocalDiskStorage } from "./local-disk-storage";
import type { RecordingStorage } from "./recording-storage";

export const storageConfigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), root: z.string().min(1) }),
  z.object({
    kind: z.literal("s3"),
    spoolDir: z.string().min(1),
    bucket: z.string().min(3),
    region: z.string().default("us-east-1"),
    endpoint: z.url().optional(),
    forcePathStyle: z.boolean().default(false),
    prefix: z.string().default(""),
    retentionDays: z.number().int().positive().optional(),
  }),
]);
export type StorageConfig = z.input<typeof storageConfigSchema>;

export function createStorage(config: StorageConfig): RecordingStorage {
  const parsed = storageConfigSchema.parse(config);
  switch (parsed.kind) {
    case "local":
      return new LocalDiskStorage(parsed.root);
    case "s3":
      throw new Error("S3 recording storage is not implemented yet (see media/recording/storage/create-storage.ts)");
  }
}
