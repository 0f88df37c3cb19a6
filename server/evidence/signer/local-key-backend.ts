// A signing key kept in a file on the server: generated on first use, reused
// afterwards. Suits a single-server deployment; larger ones plug an HSM or KMS
// in behind the same KeyBackend interface (see key-backend.ts).
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, X509Certificate, type KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import type { KeyBackend } from "./key-backend";
import { pemBlocks } from "./pem";
import { createSelfSignedCertificatePem } from "./self-signed-certificate";

export const localKeyConfigSchema = z.object({
  keyDir: z.string().min(1),
  commonName: z.string().min(1).max(64).default("Claims Survey Evidence Signing"),
  organization: z.string().min(1).max(64).optional(),
  country: z.string().length(2).optional(),
  validityYears: z.number().int().min(1).max(50).default(30),
});
export type LocalKeyConfig = z.input<typeof localKeyConfigSchema>;

export const LOCAL_KEY_FILE = "evidence-signing.pem";

const generateKeyPairAsync = promisify(generateKeyPair);

export async function loadOrCreateLocalKey(rawConfig: LocalKeyConfig): Promise<KeyBackend> {
  const config = localKeyConfigSchema.parse(rawConfig);
  const file = path.join(config.keyDir, LOCAL_KEY_FILE);
  let pem = await readKeyFile(file);
  if (pem === undefined) pem = await createKeyFile(file, config);
  return backendFromPem(pem, file);
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    // Same stance as ssh: a private key others can read may already be copied.
    if ((stat.mode & 0o077) !== 0) {
      throw new Error(`signing key ${file} is accessible to group/others (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
    }
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function createKeyFile(file: string, config: z.output<typeof localKeyConfigSchema>): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", { modulusLength: 3072, publicExponent: 0x10001 });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const publicPem = publicKey.export({ type: "spki", format: "pem" }) as string;
  const certPem = createSelfSignedCertificatePem(
    privatePem,
    publicPem,
    { commonName: config.commonName, organization: config.organization, country: config.country },
    config.validityYears,
  );
  const content = privatePem + certPem;
  // Written aside then hard-linked into place: link() fails if another process
  // created the key meanwhile, so two first-time callers never get two keys.
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, content, { mode: 0o600, flag: "wx" });
  try {
    await fs.link(temp, file);
    return content;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return (await readKeyFile(file))!;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

function backendFromPem(pem: string, file: string): KeyBackend {
  const keyDer = pemBlocks(pem, "PRIVATE KEY")[0];
  const certs = pemBlocks(pem, "CERTIFICATE");
  if (!keyDer || certs.length === 0) throw new Error(`${file} must hold a PRIVATE KEY and a CERTIFICATE block`);
  const privateKey: KeyObject = createPrivateKey({ key: keyDer, format: "der", type: "pkcs8" });
  const cert = new X509Certificate(certs[0]!);
  const spki = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  if (!cert.publicKey.export({ type: "spki", format: "der" }).equals(spki)) {
    throw new Error(`${file}: the certificate does not belong to the private key`);
  }
  const algorithm = privateKey.asymmetricKeyType === "ec" ? "ecdsa-sha256" : "rsa-pkcs1-sha256";
  if (privateKey.asymmetricKeyType !== "rsa" && privateKey.asymmetricKeyType !== "ec") {
    throw new Error(`${file}: unsupported key type ${privateKey.asymmetricKeyType}`);
  }
  return {
    keyId: `sha256:${createHash("sha256").update(spki).digest("hex")}`,
    algorithm,
    certificateChainDer: () => certs.map((c) => Buffer.from(c)),
    signRaw: async (data) => sign("sha256", data, privateKey),
  };
}
