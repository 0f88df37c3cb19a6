// Bearer secrets (session cookies, invite links): random, and only their
// SHA-256 is ever stored, so a database dump grants nothing.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 192 random bits, URL-safe. */
export function newSecretToken(): string {
  return randomBytes(24).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function constantTimeEquals(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}
