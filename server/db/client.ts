// One Prisma client type for both databases: the PostgreSQL client is
// generated from the same models (scripts/db/derive-postgres-schema.ts), so its
// delegates are identical and the SQLite client's type stands for both.
import { PrismaClient } from "../../prisma/generated/sqlite";
import { PrismaClient as PostgresPrismaClient } from "../../prisma/generated/postgresql-client";
import type { DatabaseTarget } from "./database-target";
import { rememberProvider } from "./text-filter";

export type Db = PrismaClient;
export type { Prisma } from "../../prisma/generated/sqlite";

// Interactive transactions wait this long for a connection and may run this long: Prisma's
// defaults (2 s, 5 s) fail short transactions on a loaded machine whose pool is busy, and
// correctness must not hang on a short timeout.
const transactionOptions = { maxWait: 30_000, timeout: 60_000 };

export function createDb(target: DatabaseTarget): Db {
  if (target.provider === "sqlite") return rememberProvider(new PrismaClient({ adapter: target.adapterFactory(), transactionOptions }), "sqlite");
  return rememberProvider(new PostgresPrismaClient({ adapter: target.adapterFactory(), transactionOptions }) as unknown as Db, "postgresql");
}
