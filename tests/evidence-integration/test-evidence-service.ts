// The evidence service as the integration tests build it: the test signer, a
// fixed software version and model hash, packages under the workspace's data
// folder, and recordings that are already final. Each test overrides only what
// it is about.
import path from "node:path";
import type { Logger } from "pino";
import type { Db } from "../../server/db/client";
import { EvidenceService } from "../../server/archive/evidence-service";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { testSigner } from "../fixtures/evidence/test-signer";

type ServiceOptions = ConstructorParameters<typeof EvidenceService>[0];

export function testEvidenceService(
  base: { db: Db; log: Logger; storage: RecordingStorage; dataDir: string },
  overrides: Partial<ServiceOptions> = {},
): EvidenceService {
  return new EvidenceService({
    db: base.db,
    log: base.log,
    storage: base.storage,
    recording: { finalise: async () => undefined },
    packagesDir: path.join(base.dataDir, "evidence", "packages"),
    signer: testSigner,
    softwareVersion: "0.1.0-test",
    qualityModelSha256: "cd".repeat(32),
    ...overrides,
  });
}
