// Idempotency-Key for the claims-system API (the IETF httpapi draft's semantics): the
// first request with a key runs and its answer is kept in the database; the same key
// with the same request gets that answer again, with a different request 422, and while
// the first is still running 409. Keys belong to the API key that presented them.
// A key is kept for KEY_LIFETIME_MS: long enough for any client's retries (they
// retry within minutes), short enough that the table does not grow for ever. An
// expired key is a new key again.
import { createHash } from "node:crypto";
import type { Db } from "../../db/client";

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;
export const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Expired keys are removed at most this often, by whichever request comes first. */
const PURGE_EVERY_MS = 10 * 60 * 1000;
let lastPurgeMs = 0;

/** Removes every key older than KEY_LIFETIME_MS. Returns how many were removed. */
export async function purgeExpiredKeys(db: Db, now = Date.now()): Promise<number> {
  lastPurgeMs = now;
  const { count } = await db.apiIdempotencyKey.deleteMany({ where: { createdAt: { lt: new Date(now - KEY_LIFETIME_MS) } } });
  return count;
}

export interface StoredAnswer {
  status: number;
  body: string;
  location: string | null;
}

export type Reservation =
  | { kind: "new"; id: string }
  | { kind: "replay"; answer: StoredAnswer }
  | { kind: "mismatch" }
  | { kind: "in-flight" };

/** JSON with object keys sorted, so the same body written in another key order hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(`${method} ${path}\n${canonical(body)}`).digest("hex");
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "P2002";
}

export async function reserve(db: Db, apiKey: string, key: string, hash: string, now = Date.now()): Promise<Reservation> {
  const clientHash = sha256(apiKey);
  if (now - lastPurgeMs >= PURGE_EVERY_MS) await purgeExpiredKeys(db, now);
  // This key's own expired answer goes whatever the purge's schedule.
  await db.apiIdempotencyKey.deleteMany({ where: { clientHash, key, createdAt: { lt: new Date(now - KEY_LIFETIME_MS) } } });
  try {
    const row = await db.apiIdempotencyKey.create({ data: { clientHash, key, requestHash: hash } });
    return { kind: "new", id: row.id };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const row = await db.apiIdempotencyKey.findUnique({ where: { clientHash_key: { clientHash, key } } });
  if (!row) return reserve(db, apiKey, key, hash, now); // released between our insert and read
  if (row.requestHash !== hash) return { kind: "mismatch" };
  if (row.status === null || row.response === null) return { kind: "in-flight" };
  return { kind: "replay", answer: { status: row.status, body: row.response, location: row.location } };
}

export async function complete(db: Db, id: string, answer: StoredAnswer): Promise<void> {
  await db.apiIdempotencyKey.update({ where: { id }, data: { status: answer.status, response: answer.body, location: answer.location } });
}

/** The request failed without an answer worth keeping: a retry with the key may run again. */
export async function release(db: Db, id: string): Promise<void> {
  await db.apiIdempotencyKey.deleteMany({ where: { id, status: null } });
}
