// S3-compatible backend (AWS S3, MinIO, Ceph RGW, ...). Writing stays local:
// every object in progress is a file in the spool (a LocalDiskStorage), so the
// muxer appends to a real file and a SIGKILL leaves playable bytes on disk.
// `finalise` hashes the file, uploads it (multipart above one part) and checks
// what the server stored against the hash. When the bucket cannot take it, the
// object is still final in the spool (whole, hashed, never evicted) and its
// upload is queued on disk and retried until it lands (pending-uploads.ts):
// an outage of the object store must not turn a finished recording into a
// failed one.
//
// After upload the spool copy is evicted unless `keepLocalCopy`. Readers that
// need a file (ffmpeg, the evidence build) call `ensureLocal`, which fetches
// the object back into the spool and leases it until `releaseLocal`; the last
// release evicts it again. Streams (`open`) read the spool copy when there is
// one and the bucket otherwise, with HTTP ranges for playback.
import { randomUUID, createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type GetObjectCommandOutput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { LocalDiskStorage } from "./local-disk-storage";
import { PENDING_FOLDER, PendingUploads, type PendingUpload } from "./pending-uploads";
import { folderPrefix, storageKeySchema, type ByteRange, type RecordingStorage, type StorageWriter, type StoredObject } from "./recording-storage";
import type { S3StorageConfig } from "./storage-config";

/** Spool folder for downloads in flight; renamed into place when complete, so a half download is never taken for the object. */
const INCOMING = ".incoming";
/** User metadata key: sent as `x-amz-meta-sha256`, kept by every S3-compatible server. */
const SHA256_META = "sha256";

export class S3Storage implements RecordingStorage {
  readonly kind = "s3" as const;
  private readonly client: S3Client;
  private readonly spool: LocalDiskStorage;
  /** Keys whose spool copy is known to hold exactly the stored object's bytes: the only copies ever evicted. */
  private readonly inBucket = new Set<string>();
  private readonly leases = new Map<string, number>();
  private readonly downloads = new Map<string, Promise<void>>();
  private readonly pending: PendingUploads;

  constructor(
    private readonly config: S3StorageConfig,
    private readonly log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
  ) {
    this.spool = new LocalDiskStorage(config.spoolDir);
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.credentials,
      maxAttempts: config.maxAttempts,
      // The SDK's default CRC32 trailers (aws-chunked bodies) are not understood
      // by every S3-compatible server; integrity is checked with our own SHA-256.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // A server that is down must fail a finalise within seconds, not hang it.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
    this.pending = new PendingUploads(config.spoolDir, (p) => this.retryUpload(p), {
      firstDelayMs: config.retryFirstDelayMs,
      onUploaded: (p) => this.log?.info({ key: p.key, attempts: p.attempts, since: p.since }, "queued upload reached the bucket"),
      onFailed: (p, err) => this.log?.warn({ key: p.key, attempts: p.attempts, errorId: p.errorId, errorCode: p.errorCode, err: reason(err) }, "queued upload failed again; will retry"),
    });
    this.pending.start();
  }

  get spoolDir(): string {
    return this.spool.root;
  }

  localPath(key: string): string {
    return this.spool.localPath(this.checkKey(key));
  }

  async put(key: string): Promise<StorageWriter> {
    this.inBucket.delete(this.checkKey(key));
    // New bytes replace whatever upload was still owed for the old ones.
    await this.pending.remove(key);
    return this.spool.put(key);
  }

  /** Uploads still owed to the bucket (each retried in the background). */
  pendingUploads(): Promise<PendingUpload[]> {
    return this.pending.list();
  }

  /** When the owed uploads are next retried by themselves (null: none owed). */
  nextUploadAttemptAt(): Date | null {
    return this.pending.nextAttemptAt();
  }

  async pendingUploadCount(): Promise<number> {
    return (await this.pending.list()).length;
  }

  /** Retries every owed upload now; resolves to how many are still owed. */
  flushPendingUploads(): Promise<number> {
    return this.pending.flush();
  }

  close(): void {
    this.pending.close();
  }

  async finalise(key: string): Promise<StoredObject> {
    const local = await this.spool.finalise(this.checkKey(key));
    const file = this.spool.localPath(key);
    let modifiedAt: Date;
    try {
      modifiedAt = await this.uploadVerified(key, local.size, local.sha256!);
    } catch (err) {
      const lastError = `upload of ${this.describe(key)} failed: ${reason(err)}`;
      const marker = await this.pending.add({ key, size: local.size, sha256: local.sha256!, lastError }, err);
      this.log?.warn({ key, errorId: marker.errorId, errorCode: marker.errorCode, err: lastError, spool: file }, "upload failed; the object stays final in the local spool and the upload is retried");
      return { ...local, location: `file://${file}`, pendingUpload: true };
    }
    this.inBucket.add(key);
    await this.evictIfIdle(key);
    return { key, size: local.size, sha256: local.sha256, location: this.location(key), modifiedAt };
  }

  /** Uploads the spool file and checks that the server holds exactly these bytes; resolves to the object's time. */
  private async uploadVerified(key: string, size: number, sha256: string): Promise<Date> {
    const file = this.spool.localPath(key);
    await new Upload({
      client: this.client,
      partSize: this.config.partSizeBytes,
      queueSize: 2,
      leavePartsOnError: false,
      params: {
        Bucket: this.config.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(file),
        Metadata: { [SHA256_META]: sha256 },
        ...(this.config.checksum === "sha256" ? { ChecksumAlgorithm: "SHA256" as const } : {}),
      },
    }).done();
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
    if (head.ContentLength !== size || head.Metadata?.[SHA256_META] !== sha256) {
      throw new Error(`the server holds ${head.ContentLength} bytes with sha256 ${head.Metadata?.[SHA256_META] ?? "(none)"}, expected ${size} bytes with sha256 ${sha256}`);
    }
    return head.LastModified ?? new Date();
  }

  private async retryUpload(p: PendingUpload): Promise<void> {
    // Deleted meanwhile (purge, re-render): nothing is owed any more.
    if (!(await isFile(this.spool.localPath(p.key)))) return;
    await this.uploadVerified(p.key, p.size, p.sha256);
    this.inBucket.add(p.key);
    await this.evictIfIdle(p.key);
  }

  async ensureLocal(key: string): Promise<string> {
    const file = this.localPath(key);
    this.leases.set(key, (this.leases.get(key) ?? 0) + 1);
    try {
      if (!(await isFile(file))) {
        let download = this.downloads.get(key);
        if (!download) {
          download = this.download(key, file).finally(() => this.downloads.delete(key));
          this.downloads.set(key, download);
        }
        await download;
      }
      return file;
    } catch (err) {
      await this.releaseLocal(key);
      throw err;
    }
  }

  async releaseLocal(key: string): Promise<void> {
    const left = (this.leases.get(this.checkKey(key)) ?? 0) - 1;
    if (left > 0) return void this.leases.set(key, left);
    this.leases.delete(key);
    await this.evictIfIdle(key);
  }

  async stat(key: string): Promise<StoredObject | null> {
    const spooled = await this.spool.stat(this.checkKey(key));
    if (spooled) return spooled;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return { key, size: head.ContentLength ?? 0, sha256: head.Metadata?.[SHA256_META], location: this.location(key), modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new Error(`stat of ${this.describe(key)} failed: ${reason(err)}`, { cause: err });
    }
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.spool.open(this.checkKey(key), range);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const res = await this.get(key, range);
    return res.Body as Readable;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const folder = folderPrefix(prefix);
    const out = new Map<string, StoredObject>();
    try {
      const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.config.bucket, Prefix: this.config.prefix + folder });
      for await (const page of pages) {
        for (const o of page.Contents ?? []) {
          const key = o.Key?.slice(this.config.prefix.length);
          // Objects someone else put under our prefix with names we never make are not ours to list.
          if (!key || !storageKeySchema.safeParse(key).success) continue;
          out.set(key, { key, size: o.Size ?? 0, location: this.location(key), modifiedAt: o.LastModified ?? new Date(0) });
        }
      }
    } catch (err) {
      throw new Error(`listing s3://${this.config.bucket}/${this.config.prefix}${folder}${this.at()} failed: ${reason(err)}`, { cause: err });
    }
    // Objects still in progress exist only in the spool.
    for (const o of await this.spool.list(folder)) {
      if (!o.key.startsWith(`${INCOMING}/`) && !o.key.startsWith(`${PENDING_FOLDER}/`) && !out.has(o.key)) out.set(o.key, o);
    }
    return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
    } catch (err) {
      throw new Error(`delete of ${this.describe(key)} failed: ${reason(err)}`, { cause: err });
    }
    this.inBucket.delete(key);
    await this.pending.remove(key);
    await this.spool.delete(key);
  }

  /** Fetches the object into the spool: to a temporary file, checked against its size and SHA-256, then renamed into place. */
  private async download(key: string, file: string): Promise<void> {
    const res = await this.get(key);
    const tmp = path.join(this.spool.root, INCOMING, randomUUID());
    await mkdir(path.dirname(tmp), { recursive: true });
    const hash = createHash("sha256");
    let size = 0;
    try {
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(res.Body as Readable, count, createWriteStream(tmp)).catch((err: unknown) => {
        throw new Error(`download of ${this.describe(key)} broke off: ${reason(err)}`, { cause: err });
      });
      const sha256 = hash.digest("hex");
      const expected = res.Metadata?.[SHA256_META];
      if (size !== res.ContentLength || (expected && sha256 !== expected)) {
        throw new Error(`download of ${this.describe(key)} does not match the stored object: ${size} bytes with sha256 ${sha256}, expected ${res.ContentLength} bytes with sha256 ${expected ?? "(not recorded)"}`);
      }
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file);
      this.inBucket.add(key);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async get(key: string, range?: ByteRange): Promise<GetObjectCommandOutput> {
    try {
      return await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
    } catch (err) {
      throw new Error(isNotFound(err) ? `no object ${this.describe(key)}` : `reading ${this.describe(key)} failed: ${reason(err)}`, { cause: err });
    }
  }

  private async evictIfIdle(key: string) {
    if (this.config.keepLocalCopy || this.leases.has(key) || !this.inBucket.has(key)) return;
    await rm(this.spool.localPath(key), { force: true });
  }

  private checkKey(key: string): string {
    storageKeySchema.parse(key);
    const top = key.split("/")[0];
    if (top === INCOMING || top === PENDING_FOLDER) throw new Error(`storage key ${key} is in one of the spool's own folders`);
    return key;
  }

  private objectKey(key: string): string {
    return this.config.prefix + this.checkKey(key);
  }

  private location(key: string): string {
    return `s3://${this.config.bucket}/${this.objectKey(key)}`;
  }

  private at(): string {
    return this.config.endpoint ? ` at ${this.config.endpoint}` : ` in ${this.config.region}`;
  }

  private describe(key: string): string {
    return `${this.location(key)}${this.at()}`;
  }
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

/** A one-line cause: the server's error code and status, or the network error (an AggregateError when every address refused). */
function reason(err: unknown): string {
  const e = err as Error & { code?: string; errors?: Error[]; $metadata?: { httpStatusCode?: number } };
  if (Array.isArray(e?.errors) && e.errors.length) return e.errors.map((x) => reason(x)).join("; ");
  const status = e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
  const text = e?.message || e?.code || e?.name || String(err);
  return `${e?.name && e.name !== "Error" && !text.startsWith(e.name) ? `${e.name}: ` : ""}${text}${status}`;
}
