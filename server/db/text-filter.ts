// "Contains, ignoring case" on both databases: SQLite's LIKE already ignores
// ASCII case, PostgreSQL needs Prisma's `mode: "insensitive"` (ILIKE), which the
// SQLite client's types do not know, so the provider is remembered per client.
import type { Db } from "./client";

const providers = new WeakMap<Db, "sqlite" | "postgresql">();

export function rememberProvider(db: Db, provider: "sqlite" | "postgresql"): Db {
  providers.set(db, provider);
  return db;
}

export function containsIgnoringCase(db: Db, value: string): { contains: string } {
  return providers.get(db) === "postgresql" ? ({ contains: value, mode: "insensitive" } as { contains: string }) : { contains: value };
}
