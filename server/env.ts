// Environment read and validated once, at start; everything else imports `env`.
import os from "node:os";
import path from "node:path";
import { existsSync } from "node:fs";
import { z } from "zod";
import { storageConfigSchema, type ParsedStorageConfig } from "../media/recording/storage/storage-config";

const root = path.resolve(import.meta.dirname, "..");
const envFile = path.join(root, ".env");
// `.env` is optional: scripts/start.sh writes one with a fresh API key.
if (existsSync(envFile) && !process.env.CLAIMS_SURVEY_SKIP_ENV_FILE) process.loadEnvFile(envFile);

const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default(path.join(root, "data")),
  /** Storage root of recordings and photos (with STORAGE=s3: the local spool); default <DATA_DIR>/media. A volume of its own keeps a full media disk away from the database. */
  MEDIA_DIR: z.string().optional(),
  /** Where finalised photos and recordings are kept: this machine's disk, or an S3-compatible bucket. */
  STORAGE: z.enum(["local", "s3"]).default("local"),
  S3_BUCKET: z.string().optional(),
  S3_REGION: z.string().optional(),
  /** An S3-compatible server (MinIO, Ceph RGW, ...); unset = AWS S3. */
  S3_ENDPOINT: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.enum(["0", "1"]).default("0"),
  S3_PREFIX: z.string().default(""),
  S3_KEEP_LOCAL_COPY: z.enum(["0", "1"]).default("0"),
  S3_CHECKSUM: z.enum(["sha256", "off"]).default("sha256"),
  S3_PART_SIZE_MB: z.coerce.number().int().min(5).max(5120).default(8),
  /** Keys the insurer's claims/CRM systems present as `Authorization: Bearer <key>`. */
  CLAIMS_API_KEYS: csv,
  SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
  INVITE_TTL_HOURS: z.coerce.number().positive().default(72),
  MEDIASOUP_WORKERS: z.coerce.number().int().min(1).max(64).default(Math.max(1, os.availableParallelism())),
  MEDIASOUP_LISTEN_IP: z.string().default("0.0.0.0"),
  /** The address browsers reach the SFU on; defaults to 127.0.0.1 for a local try-out. */
  MEDIASOUP_ANNOUNCED_ADDRESS: z.string().optional(),
  RTC_MIN_PORT: z.coerce.number().int().min(1024).max(65535).default(40000),
  RTC_MAX_PORT: z.coerce.number().int().min(1024).max(65535).default(40999),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** RFC 3161 timestamp authority for evidence signatures; unset = no timestamps. */
  EVIDENCE_TSA_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How often the server purges evidence whose retention has run out. */
  EVIDENCE_PURGE_INTERVAL_MINUTES: z.coerce.number().positive().default(60),
  /** Folder with model.onnx, model.sha256 and thresholds.json; default: the committed model in models/quality. */
  QUALITY_MODEL_DIR: z.string().optional(),
  /** Test hook: every recording muxer (ffmpeg) is started this much later, as on a badly loaded machine. 0 in production. */
  RECORDING_MUXER_START_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /** Seed demo accounts (README) on an empty database. */
  SEED_DEMO: z.enum(["0", "1"]).default("1"),
});

function load() {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  const e = parsed.data;
  if (e.RTC_MIN_PORT > e.RTC_MAX_PORT) throw new Error("Invalid environment: RTC_MIN_PORT > RTC_MAX_PORT");
  return {
    ...e,
    storage: storageFrom(e),
    PUBLIC_URL: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    MEDIASOUP_ANNOUNCED_ADDRESS: e.MEDIASOUP_ANNOUNCED_ADDRESS ?? "127.0.0.1",
  };
}

/** The storage backend's configuration; credentials are left to the AWS SDK's usual sources (AWS_ACCESS_KEY_ID, AWS_PROFILE, ...). */
function storageFrom(e: z.output<typeof schema>): ParsedStorageConfig {
  const root = e.MEDIA_DIR ?? path.join(e.DATA_DIR, "media");
  if (e.STORAGE === "s3" && !e.S3_BUCKET) throw new Error("Invalid environment: S3_BUCKET is required with STORAGE=s3");
  const config =
    e.STORAGE === "local"
      ? { kind: "local" as const, root }
      : {
          kind: "s3" as const,
          spoolDir: root,
          bucket: e.S3_BUCKET ?? "",
          region: e.S3_REGION ?? process.env.AWS_REGION ?? "us-east-1",
          endpoint: e.S3_ENDPOINT || undefined,
          forcePathStyle: e.S3_FORCE_PATH_STYLE === "1",
          prefix: e.S3_PREFIX,
          keepLocalCopy: e.S3_KEEP_LOCAL_COPY === "1",
          checksum: e.S3_CHECKSUM,
          partSizeBytes: e.S3_PART_SIZE_MB * 1024 * 1024,
        };
  const parsed = storageConfigSchema.safeParse(config);
  if (!parsed.success) {
    const names: Record<string, string> = { bucket: "S3_BUCKET", region: "S3_REGION", endpoint: "S3_ENDPOINT", prefix: "S3_PREFIX" };
    const lines = parsed.error.issues.map((i) => `  ${names[String(i.path[0])] ?? i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment (STORAGE=${e.STORAGE}):\n${lines}`);
  }
  return parsed.data;
}

export const env = load();
export type Env = typeof env;
