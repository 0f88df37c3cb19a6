// Decides from DATABASE_URL which database backs the product: the embedded
// SQLite file by default (nothing to install), PostgreSQL for scale.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

export const DEFAULT_SQLITE_URL = "file:./data/claims-survey.db";

export type DatabaseTarget =
  | { provider: "sqlite"; url: string; filePath: string; adapterFactory: () => PrismaBetterSQLite3 }
  | { provider: "postgresql"; url: string; adapterFactory: () => PrismaPg };

export function databaseTarget(rawUrl: string | undefined): DatabaseTarget {
  const url = rawUrl && rawUrl.trim() !== "" ? rawUrl.trim() : DEFAULT_SQLITE_URL;
  if (url.startsWith("file:")) {
    const filePath = path.resolve(url.slice("file:".length));
    return {
      provider: "sqlite",
      url,
      filePath,
      adapterFactory: () => {
        mkdirSync(path.dirname(filePath), { recursive: true });
        // Another connection to the same file (the evidence CLI, crash recovery, a second
        // process) holds its write lock while it writes; SQLite's busy handler waits this long
        // before "database is locked" (better-sqlite3's default: 5 s, seen exceeded on a
        // saturated machine). As long as a transaction may wait to start (server/db/client.ts).
        return new PrismaBetterSQLite3({ url: `file:${filePath}`, timeout: 30_000 });
      },
    };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return { provider: "postgresql", url, adapterFactory: () => new PrismaPg({ connectionString: url }) };
  }
  throw new Error(`DATABASE_URL must start with file: or postgresql:// (got "${url.split(":")[0]}:")`);
}
