import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, sign } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { verifyCms } from "../../server/evidence/signer/cms-verify";
import { createSigner } from "../../server/evidence/signer/create-signer";
import { createEvidenceSigner } from "../../server/evidence/signer/evidence-signer";
import type { KeyBackend } from "../../server/evidence/signer/key-backend";
import { LOCAL_KEY_FILE } from "../../server/evidence/signer/local-key-backend";
import { pemBlocks } from "../../server/evidence/signer/pem";
import type { Signer } from "../../server/evidence/signer/signer";

let work: string;
let signer: Signer;
const data = Buffer.from('{"survey":"SV-1","files":[]}\n');

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-signer-"));
  signer = await createSigner({ backend: { kind: "local", keyDir: path.join(work, "keys"), organization: "Example Insurance" } });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("local key backend", () => {
  it("creates an RSA-3072 key and self-signed certificate with mode 0600, then reuses it", async () => {
    const file = path.join(work, "keys", LOCAL_KEY_FILE);
    const stat = await fs.stat(file);
    assert.equal(stat.mode & 0o777, 0o600);
    const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: signer.certificateChainPem() }).toString();
    assert.match(text, /Public-Key: \(3072 bit\)/);
    assert.match(text, /Subject: CN = Claims Survey Evidence Signing, O = Example Insurance/);
    assert.match(text, /Digital Signature, Non Repudiation/);
    const again = await createSigner({ backend: { kind: "local", keyDir: path.join(work, "keys") } });
    assert.equal(again.keyId, signer.keyId);
    assert.match(signer.keyId, /^sha256:[0-9a-f]{64}$/);
  });

  it("two concurrent first uses end up with one key", async () => {
    const keyDir = path.join(work, "race");
    const [x, y] = await Promise.all([createSigner({ backend: { kind: "local", keyDir } }), createSigner({ backend: { kind: "local", keyDir } })]);
    assert.equal(x.keyId, y.keyId);
    assert.deepEqual(await fs.readdir(keyDir), [LOCAL_KEY_FILE]);
  });

  it("refuses a key file others can read", async () => {
    const keyDir = path.join(work, "loose");
    await createSigner({ backend: { kind: "local", keyDir } });
    await fs.chmod(path.join(keyDir, LOCAL_KEY_FILE), 0o644);
    await assert.rejects(createSigner({ backend: { kind: "local", keyDir } }), /accessible to group\/others .*chmod 600/);
  });

  it("HSM/KMS backends say where to plug them in", async () => {
    await assert.rejects(createSigner({ backend: { kind: "kms", provider: "aws", keyRef: "arn:x" } }), /implement KeyBackend/);
  });
});

describe("detached CMS", () => {
  it("verifies, and OpenSSL verifies it too", async () => {
    const cms = await signer.sign(data);
    const r = verifyCms(cms, { detachedContent: data });
    assert.ok(r.ok, JSON.stringify(r.problems));
    assert.ok(r.signingTime);
    await fs.writeFile(path.join(work, "data"), data);
    await fs.writeFile(path.join(work, "data.sig"), cms);
    await fs.writeFile(path.join(work, "cert.pem"), signer.certificateChainPem());
    const run = spawnSync("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", path.join(work, "data.sig"), "-content", path.join(work, "data"), "-CAfile", path.join(work, "cert.pem"), "-purpose", "any", "-out", "/dev/null"]);
    assert.equal(run.status, 0, run.stderr.toString());
    assert.match(run.stderr.toString(), /Verification successful/);
  });

  it("blames the content when the data changes", async () => {
    const cms = await signer.sign(data);
    const r = verifyCms(cms, { detachedContent: Buffer.from(data.toString().replace("SV-1", "SV-2")) });
    assert.deepEqual(r.problems.map((p) => p.blame), ["content"]);
  });

  it("every single-byte change of the signature itself is detected and blamed on the signature", async () => {
    const cms = await signer.sign(data);
    const cert = pemBlocks(signer.certificateChainPem(), "CERTIFICATE")[0]!;
    for (let i = 0; i < cms.length; i++) {
      const copy = Buffer.from(cms);
      copy[i] = copy[i]! ^ 0x01;
      const r = verifyCms(copy, { detachedContent: data, expectedCertificateDer: cert });
      assert.equal(r.ok, false, `bit flip at byte ${i} of ${cms.length} went unnoticed`);
      assert.ok(r.problems.some((p) => p.blame === "signature"), `flip at ${i} was blamed on the content only`);
    }
  });

  it("the PAdES profile leaves out signingTime but keeps the signing-certificate binding", async () => {
    const cms = await signer.sign(data, { profile: "pades" });
    const r = verifyCms(cms, { detachedContent: data });
    assert.ok(r.ok);
    assert.equal(r.signingTime, undefined);
    const dump = execFileSync("openssl", ["cms", "-cmsout", "-print", "-inform", "DER"], { input: cms }).toString();
    assert.match(dump, /id-smime-aa-signingCertificateV2/);
    assert.doesNotMatch(dump, /signingTime/);
  });

  it("works with an EC P-256 key from another backend (as an HSM would supply)", async () => {
    const keyPem = execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout"]).toString();
    await fs.writeFile(path.join(work, "ec.key"), keyPem);
    const certPem = execFileSync("openssl", ["req", "-x509", "-key", path.join(work, "ec.key"), "-subj", "/CN=HSM test key", "-days", "2"]).toString();
    const key = createPrivateKey(keyPem);
    const certDer = pemBlocks(certPem, "CERTIFICATE")[0]!;
    const backend: KeyBackend = {
      keyId: `sha256:${createHash("sha256").update(certDer).digest("hex")}`,
      algorithm: "ecdsa-sha256",
      certificateChainDer: () => [certDer],
      signRaw: async (d) => sign("sha256", d, key),
    };
    const ec = createEvidenceSigner(backend);
    const cms = await ec.sign(data);
    assert.ok(verifyCms(cms, { detachedContent: data, expectedCertificateDer: certDer }).ok);
    await fs.writeFile(path.join(work, "ec.sig"), cms);
    await fs.writeFile(path.join(work, "ec.pem"), certPem);
    const run = spawnSync("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", path.join(work, "ec.sig"), "-content", path.join(work, "data"), "-CAfile", path.join(work, "ec.pem"), "-purpose", "any", "-out", "/dev/null"]);
    assert.equal(run.status, 0, run.stderr.toString());
    // Signed by the EC key, so not acceptable where the RSA certificate is expected.
    const rsaCert = pemBlocks(signer.certificateChainPem(), "CERTIFICATE")[0]!;
    assert.equal(verifyCms(cms, { detachedContent: data, expectedCertificateDer: rsaCert }).ok, false);
  });
});
