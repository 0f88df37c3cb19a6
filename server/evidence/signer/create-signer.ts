// Picks the key backend from configuration. The place to register an HSM or
// KMS backend (see key-backend.ts for what it has to implement).
import { z } from "zod";
import { createEvidenceSigner } from "./evidence-signer";
import { loadOrCreateLocalKey, localKeyConfigSchema } from "./local-key-backend";
import type { Signer } from "./signer";
import { createTimestamper, timestampConfigSchema, type TimestampTransport } from "./timestamp-client";

export const signerConfigSchema = z.object({
  backend: z.discriminatedUnion("kind", [
    localKeyConfigSchema.extend({ kind: z.literal("local") }),
    z.object({ kind: z.literal("pkcs11"), module: z.string(), slot: z.number().int(), keyLabel: z.string() }),
    z.object({ kind: z.literal("kms"), provider: z.enum(["aws", "gcp", "azure"]), keyRef: z.string() }),
  ]),
  timestamp: timestampConfigSchema.optional(),
});
export type SignerConfig = z.input<typeof signerConfigSchema>;

export async function createSigner(rawConfig: SignerConfig, transport?: TimestampTransport): Promise<Signer> {
  const config = signerConfigSchema.parse(rawConfig);
  const timestamper = config.timestamp ? createTimestamper(config.timestamp, transport) : undefined;
  switch (config.backend.kind) {
    case "local":
      return createEvidenceSigner(await loadOrCreateLocalKey(config.backend), timestamper, config.timestamp && withoutCredentials(config.timestamp.url));
    case "pkcs11":
    case "kms":
      throw new Error(
        `signing backend '${config.backend.kind}' is not built into this release: implement KeyBackend ` +
          "(server/evidence/signer/key-backend.ts) and register it in create-signer.ts",
      );
  }
}

/** The TSA as the package records it: never with user:password from the URL. */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  return u.toString();
}
