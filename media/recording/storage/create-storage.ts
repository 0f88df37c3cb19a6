// Picks the recording storage backend from configuration (e.g. parsed from the
// environment by the server): local disk by default, or an S3-compatible
// object store with a local spool (see s3-storage.ts).
import { LocalDiskStorage } from "./local-disk-storage";
import { S3Storage } from "./s3-storage";
import { storageConfigSchema, type StorageConfig } from "./storage-config";
import type { RecordingStorage } from "./recording-storage";

export { storageConfigSchema, type StorageConfig } from "./storage-config";

export function createStorage(config: StorageConfig, log?: ConstructorParameters<typeof S3Storage>[1]): RecordingStorage {
  const parsed = storageConfigSchema.parse(config);
  switch (parsed.kind) {
    case "local":
      return new LocalDiskStorage(parsed.root);
    case "s3":
      return new S3Storage(parsed, log);
  }
}
