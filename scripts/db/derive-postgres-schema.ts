// Writes prisma/generated/postgresql/schema.prisma from the SQLite schema by
// swapping the datasource provider and the client's output folder. The models
// are portable by construction (no enums, JSON kept as text).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const source = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8");
const derived = source
  .replace('provider = "sqlite"', 'provider = "postgresql"')
  .replace('url      = "file:./dev.db"', 'url      = env("DATABASE_URL")')
  .replace('output          = "generated/sqlite"', 'output          = "../postgresql-client"');
if (derived === source || !derived.includes('"postgresql"') || !derived.includes("postgresql-client")) {
  throw new Error("derive-postgres-schema: the SQLite schema no longer has the expected datasource/generator lines");
}
const outDir = path.join(root, "prisma/generated/postgresql");
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, "schema.prisma"), `// GENERATED from prisma/schema.prisma — do not edit.\n${derived}`);
console.log("wrote prisma/generated/postgresql/schema.prisma");
