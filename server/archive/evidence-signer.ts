// The server's evidence signer: the local key under <DATA_DIR>/keys (created on
// first use) and, when EVIDENCE_TSA_URL is set (env.tsa), an RFC 3161 timestamp on every
// signature. Created once per process, on first use, so a server that never
// closes a survey never generates a key.
import path from "node:path";
import { createSigner } from "../evidence/signer/create-signer";
import type { Signer } from "../evidence/signer/signer";
import type { TimestampConfig } from "../evidence/signer/timestamp-client";

export function evidenceSignerFactory(dataDir: string, tsa: TimestampConfig | null = null): () => Promise<Signer> {
  let signer: Promise<Signer> | undefined;
  return () => {
    signer ??= createSigner({ backend: { kind: "local", keyDir: path.join(dataDir, "keys") }, ...(tsa ? { timestamp: tsa } : {}) });
    // A failed load (unreadable key) is retried next time rather than cached.
    signer.catch(() => (signer = undefined));
    return signer;
  };
}
