// Demo accounts for a first try-out (listed in the README). Only ever runs on
// an empty user table, so it never touches a real deployment's accounts.
import type { Db } from "./client";
import { hashPassword } from "../auth/password";

export const demoAccounts = [
  { email: "admin@example.com", name: "周敏", role: "admin", password: "admin-demo-2026", locale: "en" },
  { email: "agent1@example.com", name: "李娜", role: "agent", password: "agent-demo-2026", locale: "zh-CN" },
  { email: "agent2@example.com", name: "Sam Carter", role: "agent", password: "agent-demo-2026", locale: "en" },
  { email: "adjuster@example.com", name: "王强", role: "adjuster", password: "adjuster-demo-2026", locale: "zh-CN" },
  { email: "auditor@example.com", name: "Maria Rossi", role: "auditor", password: "auditor-demo-2026", locale: "en" },
] as const;

export async function seedDemoAccounts(db: Db): Promise<boolean> {
  if ((await db.user.count()) > 0) return false;
  for (const a of demoAccounts) {
    await db.user.create({ data: { email: a.email, name: a.name, role: a.role, locale: a.locale, passwordHash: await hashPassword(a.password) } });
  }
  return true;
}
