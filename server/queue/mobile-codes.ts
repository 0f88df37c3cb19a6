// The driver's mobile number, confirmed on the start form by a 6-digit one-time
// code sent through the configured SMS sender. A code is stored only as a salted
// scrypt hash (six digits are few: a plain hash would give them away to anyone
// reading the table), lives CODE_TTL_SEC, allows MAX_TRIES tries, and only the
// latest unused code of a number counts. Sending is limited per number (one code
// per RESEND_AFTER_SEC, MAX_PER_HOUR an hour), counted from the stored rows, so
// the limit holds across restarts and servers. Refusals are DomainErrors with
// their own codes (server/domain/error-status.ts gives each its 4xx); the page
// translates them.
import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors";
import type { SmsSender } from "../sms/sms-sender";
import { mobileCodeSmsText } from "./mobile-code-sms-text";

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const CODE_TTL_SEC = 300;
export const MAX_TRIES = 5;
export const RESEND_AFTER_SEC = 60;
export const MAX_PER_HOUR = 5;

/** One key per number: 13800138000 and +8613800138000 are the same phone, and share one limit. */
export function numberKey(mobile: string): string {
  return /^1[3-9]\d{9}$/.test(mobile) ? `+86${mobile}` : mobile;
}

async function hashCode(code: string, salt: Buffer): Promise<Buffer> {
  return scrypt(code, salt, 32);
}

export class MobileCodes {
  constructor(private readonly deps: { db: Db; sms: SmsSender; clock: () => Date }) {}

  /** Sends a new code to the number, unless the number had one too recently or too often. */
  async send(mobile: string, locale: "zh-CN" | "en"): Promise<{ expiresInSec: number; resendAfterSec: number }> {
    const { db, sms, clock } = this.deps;
    const now = clock();
    const key = numberKey(mobile);
    const lastHour = await db.mobileCode.findMany({ where: { mobile: key, createdAt: { gt: new Date(now.getTime() - 3600_000) } }, orderBy: { createdAt: "desc" }, select: { createdAt: true } });
    if (lastHour.length > 0 && now.getTime() - lastHour[0]!.createdAt.getTime() < RESEND_AFTER_SEC * 1000) {
      throw new DomainError("MOBILE_CODE_RATE", "A code was sent to this number moments ago.");
    }
    if (lastHour.length >= MAX_PER_HOUR) throw new DomainError("MOBILE_CODE_RATE", "Too many codes for this number in the last hour.");
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const salt = randomBytes(16);
    await db.mobileCode.create({
      data: { mobile: key, codeHash: (await hashCode(code, salt)).toString("hex"), salt: salt.toString("hex"), createdAt: now, expiresAt: new Date(now.getTime() + CODE_TTL_SEC * 1000) },
    });
    await sms.send({ to: mobile, body: mobileCodeSmsText(locale, code, CODE_TTL_SEC / 60) });
    return { expiresInSec: CODE_TTL_SEC, resendAfterSec: RESEND_AFTER_SEC };
  }

  /**
   * Confirms the number with the code typed; the code is used up. Each try is
   * counted before the code is compared, so tries sent together cannot exceed the limit.
   */
  async confirm(mobile: string, code: string): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock();
    const latest = await db.mobileCode.findFirst({ where: { mobile: numberKey(mobile), usedAt: null }, orderBy: { createdAt: "desc" } });
    if (!latest || latest.expiresAt.getTime() <= now.getTime()) throw new DomainError("MOBILE_CODE_EXPIRED", "No valid code for this number: ask for a new one.");
    const counted = await db.mobileCode.updateMany({ where: { id: latest.id, attempts: { lt: MAX_TRIES }, usedAt: null }, data: { attempts: { increment: 1 } } });
    if (counted.count !== 1) throw new DomainError("MOBILE_CODE_TRIES", "Too many wrong tries: ask for a new code.");
    const typed = await hashCode(code, Buffer.from(latest.salt, "hex"));
    if (!timingSafeEqual(typed, Buffer.from(latest.codeHash, "hex"))) {
      if (latest.attempts + 1 >= MAX_TRIES) throw new DomainError("MOBILE_CODE_TRIES", "Too many wrong tries: ask for a new code.");
      throw new DomainError("MOBILE_CODE_WRONG", "This code is not right.");
    }
    const used = await db.mobileCode.updateMany({ where: { id: latest.id, usedAt: null }, data: { usedAt: now } });
    if (used.count !== 1) throw new DomainError("MOBILE_CODE_EXPIRED", "This code was used already: ask for a new one.");
  }
}
