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

/** An origin (scheme://host[:port]) written exactly, so comparisons with the Origin header are exact. */
function originSchema(name: string) {
  return z.string().refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && u.origin === v.replace(/\/$/, "");
    } catch {
      return false;
    }
  }, `${name}: each entry must be an origin such as https://crm.example.com (no path)`).transform((v) => v.replace(/\/$/, ""));
}

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
  /**
   * TURN servers handed to browsers (comma-separated turn:/turns: URLs, e.g.
   * "turn:turn.example.com:443?transport=udp,turns:turn.example.com:443?transport=tcp").
   * Unset: no TURN (one machine, or a LAN where the SFU is reachable directly).
   */
  TURN_URLS: csv.pipe(z.array(z.string().regex(/^turns?:[^\s,]+$/, "TURN_URLS: each entry must be a turn: or turns: URL, e.g. turns:turn.example.com:443?transport=tcp"))),
  /** coturn's static-auth-secret (use-auth-secret): signs the per-join credentials; never sent to a browser. */
  TURN_SECRET: z.string().optional(),
  /** Lifetime of a TURN credential; it must outlast a survey, since the TURN server checks it on every allocation refresh. */
  TURN_CREDENTIAL_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(7200),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** RFC 3161 timestamp authority for evidence signatures; unset = no timestamps. */
  EVIDENCE_TSA_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** HTTP Basic account at the TSA, if it requires one (both or neither). */
  EVIDENCE_TSA_USERNAME: z.string().min(1).optional(),
  EVIDENCE_TSA_PASSWORD: z.string().optional(),
  /** How long one timestamp request may take; past it the signature is made without a token (the package says so). */
  EVIDENCE_TSA_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  /** How often the server purges evidence whose retention has run out. */
  EVIDENCE_PURGE_INTERVAL_MINUTES: z.coerce.number().positive().default(60),
  /** Folder with model.onnx, model.sha256 and thresholds.json; default: the committed model in models/quality. */
  QUALITY_MODEL_DIR: z.string().optional(),
  /** Test hook: every recording muxer (ffmpeg) is started this much later, as on a badly loaded machine. 0 in production. */
  RECORDING_MUXER_START_DELAY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  /** Seed demo accounts (README) on an empty database. */
  SEED_DEMO: z.enum(["0", "1"]).default("1"),
  /** Origins besides PUBLIC_URL's whose pages may send state-changing requests and open the signalling socket. */
  ALLOWED_ORIGINS: csv.pipe(z.array(originSchema("ALLOWED_ORIGINS"))),
  /** Who may frame the pages (an insurer's CRM embedding the console): 'none' (default), 'self' and/or https origins. */
  FRAME_ANCESTORS: csv.pipe(z.array(z.union([z.enum(["'none'", "'self'"]), originSchema("FRAME_ANCESTORS")]))),
  /** Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (for login throttling). */
  TRUST_PROXY: z.enum(["0", "1"]).default("0"),
  /** Failed log-ins allowed per account, and per client address, before back-off starts. */
  LOGIN_FREE_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_FREE_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(10000).default(20),
  /** First lock-out; each further failure doubles it, up to LOGIN_LOCKOUT_MAX_SECONDS. */
  LOGIN_LOCKOUT_BASE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  LOGIN_LOCKOUT_MAX_SECONDS: z.coerce.number().positive().max(86400).default(900),
  /** The evidence report flags a photo whose EXIF time differs from its capture's by more than this (minutes)… */
  PLACE_CHECK_TIME_MARGIN_MINUTES: z.coerce.number().positive().max(43_200).default(10),
  /** …or whose EXIF GPS position is farther than this from the phone's fix (metres). */
  PLACE_CHECK_DISTANCE_METRES: z.coerce.number().positive().max(20_000_000).default(500),
});

function load() {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid environment:\n${lines}`);
  }
  const e = parsed.data;
  if (e.RTC_MIN_PORT > e.RTC_MAX_PORT) throw new Error("Invalid environment: RTC_MIN_PORT > RTC_MAX_PORT");
  if (e.TURN_URLS.length && (e.TURN_SECRET ?? "").length < 16) throw new Error("Invalid environment: TURN_SECRET (coturn's static-auth-secret, at least 16 characters) is required with TURN_URLS");
  if ((e.EVIDENCE_TSA_USERNAME === undefined) !== (e.EVIDENCE_TSA_PASSWORD === undefined)) throw new Error("Invalid environment: EVIDENCE_TSA_USERNAME and EVIDENCE_TSA_PASSWORD go together");
  if (e.EVIDENCE_TSA_USERNAME && !e.EVIDENCE_TSA_URL) throw new Error("Invalid environment: EVIDENCE_TSA_USERNAME is set without EVIDENCE_TSA_URL");
  if (e.FRAME_ANCESTORS.includes("'none'") && e.FRAME_ANCESTORS.length > 1) throw new Error("Invalid environment: FRAME_ANCESTORS: 'none' cannot be combined with other sources");
  return {
    ...e,
    storage: storageFrom(e),
    PUBLIC_URL: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    MEDIASOUP_ANNOUNCED_ADDRESS: e.MEDIASOUP_ANNOUNCED_ADDRESS ?? "127.0.0.1",
    FRAME_ANCESTORS: e.FRAME_ANCESTORS.length ? e.FRAME_ANCESTORS : ["'none'"],
    turn: e.TURN_URLS.length ? { urls: e.TURN_URLS, secret: e.TURN_SECRET!, ttlSeconds: e.TURN_CREDENTIAL_TTL_SECONDS } : null,
    tsa: e.EVIDENCE_TSA_URL
      ? {
          url: e.EVIDENCE_TSA_URL,
          timeoutMs: e.EVIDENCE_TSA_TIMEOUT_SECONDS * 1000,
          ...(e.EVIDENCE_TSA_USERNAME ? { auth: { username: e.EVIDENCE_TSA_USERNAME, password: e.EVIDENCE_TSA_PASSWORD ?? "" } } : {}),
        }
      : null,
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
