// RFC 3161 client, exercised against OpenSSL's TSA implementation through an
// injected transport: no network is involved.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { verifyCms } from "../../server/evidence/signer/cms-verify";
import { createEvidenceSigner } from "../../server/evidence/signer/evidence-signer";
import {
  createTimestamper,
  decodeTimestampResponse,
  encodeTimestampRequest,
  type TimestampTransport,
} from "../../server/evidence/signer/timestamp-client";
import { testSigner } from "../fixtures/evidence/test-signer";

let work: string;
let openSslTsa: TimestampTransport;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-tsa-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(work, "tsa.key"), "-out", path.join(work, "tsa.pem"),
    "-subj", "/CN=Test TSA", "-days", "2", "-addext", "extendedKeyUsage=critical,timeStamping", "-addext", "keyUsage=critical,digitalSignature",
  ], { stdio: "ignore" });
  await fs.writeFile(path.join(work, "serial"), "01\n");
  await fs.writeFile(
    path.join(work, "tsa.cnf"),
    [
      "[ tsa ]",
      "default_tsa = test_tsa",
      "[ test_tsa ]",
      `serial = ${path.join(work, "serial")}`,
      `signer_cert = ${path.join(work, "tsa.pem")}`,
      `signer_key = ${path.join(work, "tsa.key")}`,
      "signer_digest = sha256",
      "default_policy = 1.2.3.4.1",
      "digests = sha256",
      "accuracy = secs:1",
      "ess_cert_id_alg = sha256",
      "",
    ].join("\n"),
  );
  let n = 0;
  openSslTsa = async (_url, request) => {
    const req = path.join(work, `q${++n}.tsq`);
    const resp = path.join(work, `r${n}.tsr`);
    await fs.writeFile(req, request);
    execFileSync("openssl", ["ts", "-reply", "-config", path.join(work, "tsa.cnf"), "-queryfile", req, "-out", resp], { stdio: "ignore" });
    return fs.readFile(resp);
  };
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("RFC 3161 timestamp client", () => {
  it("encodes a TimeStampReq that OpenSSL reads back field by field", async () => {
    const nonce = Buffer.from("0102030405060708", "hex");
    const req = encodeTimestampRequest(Buffer.from("signature value"), { nonce });
    await fs.writeFile(path.join(work, "mine.tsq"), req.der);
    const text = execFileSync("openssl", ["ts", "-query", "-in", path.join(work, "mine.tsq"), "-text"]).toString();
    assert.match(text, /Version: 1/);
    assert.match(text, /Hash Algorithm: sha256/);
    const digestHex = req.digest.toString("hex");
    const dumped = [...text.matchAll(/^\s+[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})/gm)].map((m) => m[1]!.replace(/[ -]/g, "")).join("");
    assert.equal(dumped, digestHex);
    assert.match(text, /Nonce: 0x0102030405060708/);
    assert.match(text, /Certificate required: yes/);
  });

  it("matches OpenSSL's own request byte for byte apart from the nonce", async () => {
    const data = path.join(work, "data.bin");
    await fs.writeFile(data, "signature value");
    const theirs = execFileSync("openssl", ["ts", "-query", "-data", data, "-sha256", "-cert", "-no_nonce"]);
    const mine = encodeTimestampRequest(Buffer.from("signature value"), { nonce: Buffer.from([1]) }).der;
    // Remove our nonce INTEGER (02 01 01) and fix the outer length to compare the rest.
    const withoutNonce = Buffer.concat([Buffer.from([0x30, mine[1]! - 3]), mine.subarray(2).subarray(0, mine.length - 2 - 6), mine.subarray(mine.length - 3)]);
    assert.equal(withoutNonce.toString("hex"), theirs.toString("hex"));
  });

  it("accepts OpenSSL's reply and embeds the token; the CMS then carries a verified signing time", async () => {
    const signer = await testSigner();
    const stamped = createEvidenceSigner(signer.backend, createTimestamper({ url: "http://tsa.invalid/" }, openSslTsa));
    const before = Date.now();
    const data = Buffer.from("manifest bytes");
    const cms = await stamped.sign(data);
    const r = verifyCms(cms, { detachedContent: data });
    assert.ok(r.ok, JSON.stringify(r.problems));
    assert.ok(r.timestamp, "no timestamp found");
    assert.equal(r.timestamp.tsaCertificateSubject, "CN=Test TSA");
    assert.ok(Math.abs(r.timestamp.genTime.getTime() - before) < 60_000);
    // OpenSSL still verifies the signature with the unsigned attribute present.
    await fs.writeFile(path.join(work, "m.bin"), data);
    await fs.writeFile(path.join(work, "m.sig"), cms);
    await fs.writeFile(path.join(work, "signer.pem"), signer.certificateChainPem());
    const run = spawnSync("openssl", ["cms", "-verify", "-binary", "-inform", "DER", "-in", path.join(work, "m.sig"), "-content", path.join(work, "m.bin"), "-CAfile", path.join(work, "signer.pem"), "-purpose", "any", "-out", "/dev/null"]);
    assert.equal(run.status, 0, run.stderr.toString());
    // Damaging the token inside the signature is caught.
    const tokenAt = cms.indexOf(Buffer.from("Test TSA"));
    assert.ok(tokenAt > 0);
    const damaged = Buffer.from(cms);
    damaged[tokenAt] = damaged[tokenAt]! ^ 0x01;
    assert.equal(verifyCms(damaged, { detachedContent: data }).ok, false);
  });

  it("rejects a reply for another request (replay) and a refusal", async () => {
    const first = encodeTimestampRequest(Buffer.from("a"));
    const reply = await openSslTsa("", first.der, 1000);
    assert.ok(decodeTimestampResponse(reply, first).der.length > 0);
    const second = encodeTimestampRequest(Buffer.from("a"));
    assert.throws(() => decodeTimestampResponse(reply, second), /nonce does not match/);
    const other = encodeTimestampRequest(Buffer.from("b"), { nonce: first.nonce });
    assert.throws(() => decodeTimestampResponse(reply, other), /different data/);
    const refusal = Buffer.from("3005300302010" + "2", "hex");
    assert.throws(() => decodeTimestampResponse(refusal, first), /refused the request \(PKIStatus 2\)/);
  });
});
