// `claims-survey purge [--dry-run]`: the hourly purge, run by hand against the
// configured database and data folder (same env as the server). Prints what
// was purged, kept and why; exit 1 when any package could not be purged.
import path from "node:path";
import { pino } from "pino";
import { env } from "../env";
import { databaseTarget } from "../db/database-target";
import { createDb } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { createStorage } from "../../media/recording/storage/create-storage";
import { evidenceSignerFactory } from "./evidence-signer";
import { runEvidencePurge } from "./evidence-purge";

export async function runPurgeCommand(dryRun: boolean): Promise<number> {
  // An empty DATABASE_URL counts as unset: the database in DATA_DIR, as the server uses.
  const target = databaseTarget(env.DATABASE_URL || `file:${path.join(env.DATA_DIR, "claims-survey.db")}`);
  await migrateDatabase(target);
  const db = createDb(target);
  // The server's storage (local root or S3 bucket), from the same environment.
  const storage = createStorage(env.storage);
  try {
    const report = await runEvidencePurge({
      db,
      storage,
      signer: evidenceSignerFactory(env.DATA_DIR, env.tsa),
      dataDir: env.DATA_DIR,
      log: pino({ level: "warn" }),
      dryRun,
    });
    for (const t of report.purged) console.log(`purged      ${t.packageId}  (${t.explanation})`);
    for (const id of report.wouldPurge) console.log(`would purge ${id}`);
    for (const k of report.kept) console.log(`kept        ${k.packageId}  ${k.reason === "legal-hold" ? "legal hold" : `until ${k.retainUntil}`}`);
    for (const e of report.errors) console.error(`error       ${e.packageId}: ${e.message}`);
    return report.errors.length ? 1 : 0;
  } finally {
    storage.close?.();
    await db.$disconnect();
  }
}
