// The purge job over the database: lists ready packages with their current
// retention facts, and deletes an expired one completely — the package folder
// and the survey's photos and recordings in storage — before marking the row
// purged and noting it in the timeline. The signed tombstone is written by the
// library before delete() is called.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { appendSurveyEvent } from "../domain/survey-events";
import { purgeExpiredPackages, type PackageStore, type PurgeReport, type StoredPackage } from "../evidence/purge";
import { fileTombstoneLog } from "../evidence/tombstone-log";
import type { Signer } from "../evidence/signer/signer";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { retentionFor } from "./evidence-retention";

export function tombstoneLogPath(dataDir: string) {
  return path.join(dataDir, "evidence", "tombstones.log");
}

export function dbPackageStore(db: Db, storage: Pick<RecordingStorage, "list" | "delete">, clock: () => Date): PackageStore {
  const surveyOf = new Map<string, string>();
  return {
    async list() {
      const rows = await db.evidencePackage.findMany({
        where: { status: "ready" },
        include: { survey: { include: { claim: true } } },
        orderBy: { createdAt: "asc" },
      });
      return rows.map((r): StoredPackage => {
        const packageId = r.storagePath ? path.basename(r.storagePath) : r.surveyId;
        surveyOf.set(packageId, r.surveyId);
        return {
          packageId,
          surveyId: r.surveyId,
          manifestSha256: r.manifestSha256 ?? "0".repeat(64),
          retention: retentionFor(r.survey.claim, r.survey.closedAt ?? r.survey.createdAt, r).facts,
        };
      });
    },
    async delete(packageId) {
      const surveyId = surveyOf.get(packageId);
      if (!surveyId) throw new Error(`unknown package ${packageId}`);
      const row = await db.evidencePackage.findUniqueOrThrow({ where: { surveyId } });
      // A hold placed after list() wins over the purge.
      if (row.legalHold) throw new Error(`package ${packageId} was put on legal hold during the purge`);
      if (row.storagePath) await fs.rm(row.storagePath, { recursive: true, force: true });
      if (row.zipPath) await fs.rm(row.zipPath, { force: true });
      for (const obj of await storage.list(`${surveyId}/`)) await storage.delete(obj.key);
      // The driver's hand signature, its strokes and the statement text are personal data of the
      // same retention as the photos; the timeline keeps only their hashes.
      await db.statementSignature.deleteMany({ where: { surveyId } });
      const purgedAt = clock();
      await db.evidencePackage.update({ where: { surveyId }, data: { status: "purged", purgedAt, stage: "purged" } });
      await appendSurveyEvent(db, surveyId, { type: "evidence.purged", payload: { packageId, manifestSha256: row.manifestSha256, purgedAt: purgedAt.toISOString() } });
    },
  };
}

export interface PurgeJobOptions {
  db: Db;
  storage: Pick<RecordingStorage, "list" | "delete">;
  signer: () => Promise<Signer>;
  dataDir: string;
  log: Logger;
  clock?: () => Date;
  dryRun?: boolean;
}

export async function runEvidencePurge(o: PurgeJobOptions): Promise<PurgeReport> {
  const clock = o.clock ?? (() => new Date());
  const report = await purgeExpiredPackages({
    store: dbPackageStore(o.db, o.storage, clock),
    log: fileTombstoneLog(tombstoneLogPath(o.dataDir)),
    signer: await o.signer(),
    clock,
    dryRun: o.dryRun,
  });
  o.log.info(
    { purged: report.purged.length, wouldPurge: report.wouldPurge.length, kept: report.kept.length, errors: report.errors },
    o.dryRun ? "evidence purge (dry run)" : "evidence purge",
  );
  return report;
}

/** Runs the purge every intervalMs in this process; returns a stop function. */
export function schedulePurge(o: PurgeJobOptions, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runEvidencePurge(o)
      .catch((err) => o.log.error({ err }, "evidence purge failed"))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
