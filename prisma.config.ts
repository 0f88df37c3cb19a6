// Prisma 6.19 rather than 7.x: 6.19's CLI can run migrations through a driver
// adapter with its JS/Wasm engine, so `migrate deploy` needs no Rust engine
// download (7.10 has no such path here). See docs/DATABASE.md.
import path from "node:path";
import { defineConfig } from "prisma/config";
import { databaseTarget } from "./server/db/database-target";

const target = databaseTarget(process.env.DATABASE_URL);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", target.provider === "sqlite" ? "schema.prisma" : "generated/postgresql/schema.prisma"),
  migrations: { path: path.join("prisma", "migrations", target.provider) },
  adapter: async () => target.adapterFactory(),
});
