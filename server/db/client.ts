// One Prisma client type for both databases: the PostgreSQL client is
// generated from the same models (scripts/db/derive-postgres-schema.ts), so its
// delegates are identical and the SQLite client's type stands for both.
import { PrismaClient } from "../../prisma/generated/sqlite";
import { PrismaClient as PostgresPrismaClient } from "../../prisma/generated/postgresql-client";
import type { DatabaseTarget } from "./database-target";
import { rememberProvider } from "./text-filter";

export type Db = PrismaClient;
export type { Prisma } from "../../prisma/generated/sqlite";

// For every client, not only the queue's: interactive transactions wait up to 30 s to start
// and may run up to 60 s (Prisma's defaults: 2 s, 5 s). On a loaded server a short, healthy
// transaction can be starved of CPU or of a pool connection past those defaults, and what the
// expiry then does is worse than waiting:
// - SQLite: the better-sqlite3 adapter serialises transactions on the process's one connection,
//   but other requests' plain queries run on that same connection while a transaction is open.
//   An expired (or thrown) transaction rolls back, and the rollback also undoes those other
//   writes (seen: a row written outside a transaction that then timed out was gone). A timeout
//   that fires under load therefore loses unrelated data silently. An expired wait is no better:
//   Prisma still waits for the adapter's BEGIN and then rolls that transaction back.
// - PostgreSQL: waiting for a pooled connection holds nothing; giving up after 2 s only turns
//   load into failed requests.
// The long limit is safe because every transaction in the product does database work only
// (no network, file or SMS calls inside), so it cannot sit on locks waiting for the outside.
const transactionOptions = { maxWait: 30_000, timeout: 60_000 };

export function createDb(target: DatabaseTarget): Db {
  if (target.provider === "sqlite") return rememberProvider(new PrismaClient({ adapter: target.adapterFactory(), transactionOptions }), "sqlite");
  return rememberProvider(new PostgresPrismaClient({ adapter: target.adapterFactory(), transactionOptions }) as unknown as Db, "postgresql");
}
