// Staff sessions: an opaque token in an httpOnly cookie, its hash in the table.
import type { Db } from "../db/client";
import { hashToken, newSecretToken } from "./secret-token";
import { verifyPassword, hashPassword } from "./password";

export const SESSION_COOKIE = "cs_session";

// Compared against when the e-mail is unknown, so both paths cost one scrypt.
const dummyHash = hashPassword("not-a-real-password");

export async function loginWithPassword(db: Db, email: string, password: string, ttlHours: number) {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !ok || user.disabled) return null;
  const token = newSecretToken();
  const expiresAt = new Date(Date.now() + ttlHours * 3600_000);
  await db.session.create({ data: { userId: user.id, tokenHash: hashToken(token), expiresAt } });
  return { token, expiresAt, user };
}

export async function userForSessionToken(db: Db, token: string | undefined) {
  if (!token || token.length > 200) return null;
  const session = await db.session.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!session || session.expiresAt.getTime() <= Date.now() || session.user.disabled) return null;
  return session.user;
}

export async function endSession(db: Db, token: string | undefined) {
  if (!token) return;
  await db.session.deleteMany({ where: { tokenHash: hashToken(token) } });
}
