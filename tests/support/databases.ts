// A fresh, migrated database of each kind for a test: a new SQLite file, and a
// new database on the test PostgreSQL server (started by scripts/test.sh, or
// here on demand for a single test file run by hand).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { databaseTarget } from "../../server/db/database-target";
import { migrateDatabase } from "../../server/db/migrate";
import { createDb, type Db } from "../../server/db/client";

export const databaseKinds = ["sqlite", "postgresql"] as const;
export type DatabaseKind = (typeof databaseKinds)[number];

function postgresServerUrl(): string {
  if (process.env.TEST_POSTGRES_URL) return process.env.TEST_POSTGRES_URL;
  const script = path.resolve(import.meta.dirname, "../../scripts/db/postgres-test-server.sh");
  process.env.TEST_POSTGRES_URL = execFileSync("bash", [script, "start"], { encoding: "utf8" }).trim();
  return process.env.TEST_POSTGRES_URL;
}

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

export async function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(os.tmpdir(), "cs-db-"));
    const url = `file:${path.join(dir, "test.db")}`;
    const target = databaseTarget(url);
    await migrateDatabase(target);
    const db = createDb(target);
    return { kind, url, db, drop: async () => (await db.$disconnect(), rmSync(dir, { recursive: true, force: true })) };
  }
  const server = postgresServerUrl();
  const name = `cs_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = server.replace(/\/[^/]*$/, `/${name}`);
  const target = databaseTarget(url);
  await migrateDatabase(target);
  const db = createDb(target);
  return {
    kind,
    url,
    db,
    drop: async () => {
      await db.$disconnect();
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
