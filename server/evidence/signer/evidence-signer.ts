// Joins a key backend to the CMS encoder (and, if configured, a timestamp
// authority) to give the Signer every evidence module uses.
import type { KeyBackend } from "./key-backend";
import { derToPem } from "./pem";
import { signDetachedCms } from "./cms-sign";
import type { Signer } from "./signer";

export function createEvidenceSigner(backend: KeyBackend, timestamp?: (signatureValue: Buffer) => Promise<Buffer>): Signer {
  return {
    keyId: backend.keyId,
    backend,
    sign: (data, options = {}) => signDetachedCms(backend, data, { ...options, timestamp }),
    certificateChainPem: () => backend.certificateChainDer().map((d) => derToPem(d, "CERTIFICATE")).join(""),
  };
}
