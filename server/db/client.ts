// One Prisma client type for both databases: the PostgreSQL client is
// generated from the same models (scripts/db/derive-postgres-schema.ts), so its
// delegates are identical and the SQLite client's type stands for both.
import { PrismaClient } from "../../prisma/generated/sqlite";
import { PrismaClient as PostgresPrismaClient } from "../../prisma/generated/postgresql-client";
import type { DatabaseTarget } from "./database-target";
import { rememberProvider } from "./text-filter";

export type Db = PrismaClient;
export type { Prisma } from "../../prisma/generated/sqlite";

export function createDb(target: DatabaseTarget): Db {
  if (target.provider === "sqlite") return rememberProvider(new PrismaClient({ adapter: target.adapterFactory() }), "sqlite");
  return rememberProvider(new PostgresPrismaClient({ adapter: target.adapterFactory() }) as unknown as Db, "postgresql");
}
