// Deletes packages whose retention has run out. The store and the clock are
// injected so the policy can be exercised without waiting years, and the
// storage (disk, object store) stays the integrator's choice.
import { decideRetention, DEFAULT_RETENTION_RULES, isPurgeable, type RetentionRules } from "./retention";
import type { RetentionFacts } from "./package-input";
import type { Signer } from "./signer/signer";
import type { SignedTombstone, TombstoneLog } from "./tombstone-log";

export interface StoredPackage {
  packageId: string;
  surveyId: string;
  manifestSha256: string;
  /** Current facts (a dispute or legal hold may have arisen after packaging). */
  retention: RetentionFacts;
}

export interface PackageStore {
  list(): Promise<StoredPackage[]> | AsyncIterable<StoredPackage>;
  delete(packageId: string): Promise<void>;
}

export interface PurgeOptions {
  store: PackageStore;
  log: TombstoneLog;
  signer: Signer;
  clock: () => Date;
  rules?: RetentionRules;
  /** Report what would be purged without deleting anything. */
  dryRun?: boolean;
}

export interface PurgeReport {
  purged: SignedTombstone[];
  wouldPurge: string[];
  kept: { packageId: string; reason: "legal-hold" | "not-expired"; retainUntil: string }[];
  errors: { packageId: string; message: string }[];
}

export async function purgeExpiredPackages(options: PurgeOptions): Promise<PurgeReport> {
  const report: PurgeReport = { purged: [], wouldPurge: [], kept: [], errors: [] };
  const rules = options.rules ?? DEFAULT_RETENTION_RULES;
  for await (const pkg of await options.store.list()) {
    try {
      const now = options.clock();
      const decision = decideRetention(pkg.retention, rules);
      if (!isPurgeable(decision, now)) {
        report.kept.push({ packageId: pkg.packageId, reason: decision.legalHold ? "legal-hold" : "not-expired", retainUntil: decision.retainUntil });
        continue;
      }
      if (options.dryRun) {
        report.wouldPurge.push(pkg.packageId);
        continue;
      }
      // Tombstone first: a crash between the two steps then leaves a recorded
      // purge of a package that still exists (retried next run), never an
      // unrecorded deletion.
      const tombstone = await options.log.append(
        {
          packageId: pkg.packageId,
          surveyId: pkg.surveyId,
          manifestSha256: pkg.manifestSha256,
          purgedAt: now.toISOString(),
          rule: decision.rule,
          retainUntil: decision.retainUntil,
          explanation: decision.explanation,
        },
        options.signer,
      );
      await options.store.delete(pkg.packageId);
      report.purged.push(tombstone);
    } catch (err) {
      report.errors.push({ packageId: pkg.packageId, message: (err as Error).message });
    }
  }
  return report;
}
