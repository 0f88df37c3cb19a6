// Applies prisma/migrations/<provider>/*/migration.sql in order, recording each
// in Prisma's own `_prisma_migrations` table so `prisma migrate status` agrees.
// Why not `prisma migrate deploy`: through a driver adapter on PostgreSQL it
// fails on the `name` column type (prisma/orm#27403), and the product must not
// need the Rust schema engine (a download) at start.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { DatabaseTarget } from "./database-target";

const MIGRATIONS_ROOT = path.resolve(import.meta.dirname, "../../prisma/migrations");

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface Migration { name: string; sql: string; checksum: string }

function pendingFrom(provider: string, applied: Map<string, string>): Migration[] {
  const dir = path.join(MIGRATIONS_ROOT, provider);
  if (!existsSync(dir)) throw new Error(`no migrations folder for ${provider} at ${dir}`);
  const out: Migration[] = [];
  for (const name of readdirSync(dir).filter((n) => existsSync(path.join(dir, n, "migration.sql"))).sort()) {
    const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
    const checksum = createHash("sha256").update(sql).digest("hex");
    const seen = applied.get(name);
    if (seen !== undefined && seen !== checksum) {
      throw new Error(`migration ${name} was changed after it was applied (checksum mismatch); add a new migration instead`);
    }
    if (seen === undefined) out.push({ name, sql, checksum });
  }
  return out;
}

export async function migrateDatabase(target: DatabaseTarget): Promise<string[]> {
  return target.provider === "sqlite" ? migrateSqlite(target.filePath) : migratePostgres(target.url);
}

function migrateSqlite(filePath: string): string[] {
  // better-sqlite3 creates the file but not its folder.
  mkdirSync(path.dirname(filePath), { recursive: true });
  const db = new Database(filePath);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(LEDGER_DDL.replace("TIMESTAMPTZ NOT NULL DEFAULT now()", "DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP").replaceAll("TIMESTAMPTZ", "DATETIME"));
    const rows = db.prepare(`SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`).all() as { migration_name: string; checksum: string }[];
    const pending = pendingFrom("sqlite", new Map(rows.map((r) => [r.migration_name, r.checksum])));
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at) VALUES (?, ?, ?, ?, 1, ?)`)
          .run(randomUUID(), m.checksum, new Date().toISOString(), m.name, new Date().toISOString());
      })();
    }
    return pending.map((m) => m.name);
  } finally {
    db.close();
  }
}

async function migratePostgres(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One migrator at a time across processes (several app instances may start together).
    await client.query("SELECT pg_advisory_lock(72707369)");
    await client.query(LEDGER_DDL);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const pending = pendingFrom("postgresql", new Map(rows.map((r) => [r.migration_name, r.checksum])));
    for (const m of pending) {
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw err;
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.end();
  }
}
