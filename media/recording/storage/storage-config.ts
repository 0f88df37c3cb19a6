// The storage backends' configuration, validated where it enters (the
// server's environment, a test, the purge command). Kept apart from the
// backends so reading configuration never loads the S3 SDK.
import { z } from "zod";

const MiB = 1024 * 1024;

export const localStorageConfigSchema = z.object({ kind: z.literal("local"), root: z.string().min(1) });

export const s3StorageConfigSchema = z.object({
  kind: z.literal("s3"),
  /** Local folder every object is written to before upload, and fetched back to when a file is needed. */
  spoolDir: z.string().min(1),
  // S3's bucket naming rules (lower case, 3–63 characters), which MinIO and Ceph also enforce.
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "S3 bucket names are 3-63 characters of a-z, 0-9, '.' and '-'"),
  region: z.string().min(1).default("us-east-1"),
  /** An S3-compatible server (MinIO, Ceph RGW, ...); unset = AWS S3 for `region`. */
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  /** `http://host/bucket/key` instead of `http://bucket.host/key`; most self-hosted servers want this. */
  forcePathStyle: z.boolean().default(false),
  /** Folder inside the bucket, so one bucket can hold several deployments. */
  prefix: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/?)*$/, "S3 prefix must be a relative path of [A-Za-z0-9._-] segments")
    .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "S3 prefix must not contain . or .. segments")
    .transform((p) => (p ? `${p.replace(/\/+$/, "")}/` : ""))
    .default(""),
  /** Keep the spool copy after upload as a read cache; off = the local disk only holds objects in progress. */
  keepLocalCopy: z.boolean().default(false),
  /** "sha256": the server is also asked to verify each upload (x-amz-checksum-sha256); "off" for servers that refuse those headers. */
  checksum: z.enum(["sha256", "off"]).default("sha256"),
  /** Multipart part size; S3's minimum part is 5 MiB. Two parts are in memory at a time. */
  partSizeBytes: z.number().int().min(5 * MiB).max(5 * 1024 * MiB).default(8 * MiB),
  /** Attempts per request (the SDK's retries with backoff) before an operation fails. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** First wait before retrying an upload that failed at finalise; doubles per failure up to 5 minutes. */
  retryFirstDelayMs: z.number().int().min(0).max(3_600_000).default(5_000),
  /** Unset = the AWS SDK's usual sources (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles). */
  credentials: z
    .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().min(1).optional() })
    .optional(),
});

export const storageConfigSchema = z.discriminatedUnion("kind", [localStorageConfigSchema, s3StorageConfigSchema]);
export type StorageConfig = z.input<typeof storageConfigSchema>;
export type ParsedStorageConfig = z.output<typeof storageConfigSchema>;
export type S3StorageConfig = z.output<typeof s3StorageConfigSchema>;
