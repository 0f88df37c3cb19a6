// Joins a key backend to the CMS encoder (and, if configured, a timestamp
// authority) to give the Signer every evidence module uses.
import type { KeyBackend } from "./key-backend";
import { derToPem } from "./pem";
import { signDetachedCms } from "./cms-sign";
import type { Signer } from "./signer";
import type { Timestamper } from "./timestamp-client";

export function createEvidenceSigner(backend: KeyBackend, timestamp?: Timestamper, timestampAuthority?: string): Signer {
  return {
    keyId: backend.keyId,
    backend,
    ...(timestamp && timestampAuthority ? { timestampAuthority } : {}),
    sign: (data, options = {}) => signDetachedCms(backend, data, { ...options, timestamp }),
    certificateChainPem: () => backend.certificateChainDer().map((d) => derToPem(d, "CERTIFICATE")).join(""),
  };
}
