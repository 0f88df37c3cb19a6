// Trusted time end to end: the real package builder asks a real RFC 3161 TSA
// (Debian's `openssl ts` behind HTTP, tests/support/local-tsa.ts) for a token on
// the event log tree head, the PDF signature and the manifest signature; the
// offline verifier (`claims-survey verify --tsa-trust`) proves the time of
// each, and fails when a token is altered or the TSA is not the trusted one.
// Without a TSA, or with one that does not answer, the package is still built
// and its report and the verifier say the times are the server's own.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import { createSigner } from "../../server/evidence/signer/create-signer";
import type { Signer } from "../../server/evidence/signer/signer";
import { copyPackage } from "../fixtures/evidence/package-tree";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";
import { type CertificateAuthority, createCertificateAuthority, type LocalTsa, startLocalTsa } from "../support/local-tsa";

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");
const verify = (...args: string[]) => spawnSync(process.execPath, [CLI, "verify", ...args], { encoding: "utf8" });
const verifyJson = (...args: string[]) => {
  const r = verify(...args, "--json");
  return { status: r.status, result: JSON.parse(r.stdout) as VerifyJson, stderr: r.stderr };
};
interface VerifyJson {
  ok: boolean;
  checks: Record<string, string>;
  failures: { path: string; check: string; message: string }[];
  trustedTime: { serverTimeOnly: boolean; authority?: string | null; tokens: { file: string; status: string; genTime?: string; tsa?: string; reason?: string }[] };
}
const pdfText = (dir: string) => execFileSync("pdftotext", [path.join(dir, "report.pdf"), "-"]).toString().replace(/\s+/g, " ");
const squeeze = (s: string) => s.replace(/\s+/g, "");
const readJson = async (file: string) => JSON.parse(await fs.readFile(file, "utf8"));

let work: string;
let tsa: LocalTsa;
let otherCa: CertificateAuthority;
let stamped: BuiltPackage;
let unstamped: BuiltPackage;
let tsaDown: BuiltPackage;
let buildStarted: number;
let buildEnded: number;

async function signerWithTsa(dir: string, timeoutMs: number): Promise<Signer> {
  return createSigner({ backend: { kind: "local", keyDir: path.join(work, dir) }, timestamp: { url: tsa.url, timeoutMs } });
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-tsa-package-"));
  tsa = await startLocalTsa({ name: "Claims Test" });
  otherCa = await createCertificateAuthority(path.join(work, "other-ca"), "Somebody Else");
  const out = path.join(work, "out");

  buildStarted = Date.now();
  // A generous timeout: the machine may be loaded; the TSA answers when it can.
  stamped = await buildEvidencePackage(await makeSurveyFixture(path.join(work, "src-stamped"), { locale: "en", surveyId: "SV-TSA-1" }), {
    signer: await signerWithTsa("keys-stamped", 120_000),
    outDir: out,
    zip: false,
  });
  buildEnded = Date.now();

  unstamped = await buildEvidencePackage(await makeSurveyFixture(path.join(work, "src-plain"), { locale: "zh-CN", surveyId: "SV-TSA-2" }), {
    signer: await testSigner(),
    outDir: out,
    zip: false,
  });

  // A TSA that never answers: the bound is what the test is about, any value shows it.
  tsa.behaviour = "hang";
  tsaDown = await buildEvidencePackage(await makeSurveyFixture(path.join(work, "src-down"), { locale: "en", surveyId: "SV-TSA-3" }), {
    signer: await signerWithTsa("keys-down", 2_000),
    outDir: out,
    zip: false,
  });
  tsa.behaviour = "answer";
});

after(async () => {
  await tsa?.stop();
  await fs.rm(work, { recursive: true, force: true });
});

const THIS_YEAR = String(new Date().getUTCFullYear());

/**
 * Changes one digit of the seconds of the token's TSTInfo genTime: the
 * GeneralizedTime of this year (the signing certificate's far notAfter is a
 * GeneralizedTime too, and must stay untouched).
 */
function alterGenTime(bytes: Buffer): Buffer {
  const text = bytes.toString("latin1");
  const m = [...text.matchAll(/\x18\x0f(\d{14})Z/g)].find((x) => x[1]!.startsWith(THIS_YEAR));
  assert.ok(m, "no genTime found in the token");
  const at = m.index + 2 + 13;
  const copy = Buffer.from(bytes);
  copy[at] = copy[at] === 0x30 ? 0x31 : 0x30;
  return copy;
}

describe("RFC 3161 trusted time in the evidence package", () => {
  it("a stamped package verifies with --tsa-trust and reports the time each token proves", async () => {
    assert.equal(tsa.granted >= 3, true, `the TSA granted ${tsa.granted} tokens`);
    assert.equal(stamped.trustedTime.eventTreeHead?.status, "stamped");
    assert.equal(stamped.trustedTime.report?.status, "stamped");
    assert.equal(stamped.trustedTime.manifest?.status, "stamped");

    const { status, result, stderr } = verifyJson(stamped.dir, "--tsa-trust", tsa.ca.certPath);
    assert.equal(status, 0, JSON.stringify(result.failures) + stderr);
    assert.equal(result.checks["trusted-time"], "pass");
    assert.equal(result.trustedTime.serverTimeOnly, false);
    assert.deepEqual(result.trustedTime.tokens.map((t) => [t.file, t.status]).sort(), [
      ["event-tree-head.json", "proven"],
      ["manifest.sig", "proven"],
      ["report.pdf", "proven"],
    ]);
    for (const t of result.trustedTime.tokens) {
      const at = Date.parse(t.genTime!);
      // genTime has whole seconds: allow the second it was rounded down from.
      assert.ok(at >= Math.floor(buildStarted / 1000) * 1000 && at <= buildEnded, `${t.file} stamped at ${t.genTime}, outside the build`);
      assert.equal(t.tsa, "CN=Claims Test TSA, O=Claims Survey Tests");
    }
    // The manifest, signed after the tree head and PDF tokens, records them with their nonces.
    const manifest = await readJson(path.join(stamped.dir, "manifest.json"));
    assert.equal(manifest.trustedTime.authority, tsa.url);
    assert.match(manifest.trustedTime.eventTreeHead.nonce, /^[0-9a-f]+$/);

    const text = verify(stamped.dir, "--tsa-trust", tsa.ca.certPath);
    assert.equal(text.status, 0, text.stdout);
    assert.match(text.stdout, /TRUSTED TIME proven by RFC 3161 timestamps/);
    assert.match(text.stdout, /可信时间 已由受信任的时间戳服务机构的 RFC 3161 时间戳证明/);
    for (const what of ["manifest signature", "event log tree head", "PDF report signature"]) {
      assert.match(text.stdout, new RegExp(`${what} / .*: PROVEN 已证明 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.000Z by CN=Claims Test TSA`), text.stdout);
    }
    // The TSA's own certificate works as the anchor too.
    assert.equal(verify(stamped.dir, "--tsa-trust", tsa.tsaCertPath).status, 0);

    // The PDF states the tree head's trusted time in its own words.
    assert.match(pdfText(stamped.dir), /carries an RFC 3161 timestamp from an independent time-stamping authority, CN=Claims Test TSA/);
  });

  it("without --tsa-trust the tokens' times are shown but not proven, and the package still verifies", () => {
    const r = verify(stamped.dir);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /TRUSTED TIME claimed by RFC 3161 timestamps, not proven: give --tsa-trust/);
    assert.match(r.stdout, /manifest signature \/ 清单签名: NOT PROVEN \(TSA not checked: give --tsa-trust\)/);
  });

  it("an altered token fails (manifest signature, tree head, PDF), naming the file and the trusted-time check", async () => {
    const dir = await copyPackage(stamped.dir, path.join(work, "altered-manifest-token"));
    await fs.writeFile(path.join(dir, "manifest.sig"), alterGenTime(await fs.readFile(path.join(dir, "manifest.sig"))));
    const { status, result } = verifyJson(dir, "--tsa-trust", tsa.ca.certPath);
    assert.equal(status, 1);
    assert.equal(result.checks["manifest-signature"], "pass", "the signature itself is intact; only its token changed");
    assert.equal(result.checks["trusted-time"], "fail");
    assert.ok(result.failures.length > 0 && result.failures.every((f) => f.path === "manifest.sig" && f.check === "trusted-time"), JSON.stringify(result.failures));
    assert.equal(result.trustedTime.tokens.find((t) => t.file === "manifest.sig")!.status, "invalid");
    const text = verify(dir, "--tsa-trust", tsa.ca.certPath);
    assert.match(text.stdout, /^INVALID /);
    assert.match(text.stdout, /✗ manifest\.sig \[trusted-time\] timestamp token: signed content changed/);
    // Even without --tsa-trust an altered token is a failure, not a shown time.
    assert.equal(verify(dir).status, 1);

    const headDir = await copyPackage(stamped.dir, path.join(work, "altered-head-token"));
    const headFile = path.join(headDir, "event-tree-head.json");
    const head = await readJson(headFile);
    head.signature = alterGenTime(Buffer.from(head.signature, "base64")).toString("base64");
    await fs.writeFile(headFile, `${JSON.stringify(head, null, 2)}\n`);
    const h = verifyJson(headDir, "--tsa-trust", tsa.ca.certPath);
    assert.equal(h.status, 1);
    assert.ok(h.result.failures.some((f) => f.path === "event-tree-head.json" && f.check === "trusted-time"), JSON.stringify(h.result.failures));
    assert.equal(h.result.checks["tree-head-signature"], "pass");

    const pdfDir = await copyPackage(stamped.dir, path.join(work, "altered-pdf-token"));
    const pdfFile = path.join(pdfDir, "report.pdf");
    const pdf = (await fs.readFile(pdfFile)).toString("latin1");
    // In /Contents the token is hex: GeneralizedTime tag 18, length 0f, then 14 digits (3x) and Z (5a).
    const yearHex = Buffer.from(THIS_YEAR).toString("hex");
    const m = [...pdf.matchAll(/180f((?:3[0-9]){14})5a/g)].find((x) => x[1]!.startsWith(yearHex));
    assert.ok(m, "no genTime in the PDF signature");
    const digit = m.index + 4 + 27;
    await fs.writeFile(pdfFile, Buffer.from(pdf.slice(0, digit) + (pdf[digit] === "0" ? "1" : "0") + pdf.slice(digit + 1), "latin1"));
    const p = verifyJson(pdfDir, "--tsa-trust", tsa.ca.certPath);
    assert.equal(p.status, 1);
    assert.ok(p.result.failures.some((f) => f.path === "report.pdf" && f.check === "trusted-time"), JSON.stringify(p.result.failures));
    assert.equal(p.result.checks["pdf-signature"], "pass");
  });

  it("fails when the TSA certificate is not the trusted one", () => {
    const { status, result } = verifyJson(stamped.dir, "--tsa-trust", otherCa.certPath);
    assert.equal(status, 1);
    const chain = result.failures.filter((f) => f.check === "trusted-time" && /does not chain to a trusted TSA certificate/.test(f.message));
    assert.deepEqual(chain.map((f) => f.path).sort(), ["event-tree-head.json", "manifest.sig", "report.pdf"]);
    assert.ok(result.trustedTime.tokens.every((t) => t.status === "invalid"));
    const text = verify(stamped.dir, "--tsa-trust", otherCa.certPath);
    assert.match(text.stdout, /TRUSTED TIME not proven for every signature/);
    assert.match(text.stdout, /\[trusted-time\] the TSA certificate CN=Claims Test TSA, O=Claims Survey Tests \(issued by CN=Claims Test Root CA, O=Claims Survey Tests\) does not chain/);
    // The package's own signing certificate is no TSA either.
    assert.equal(verify(stamped.dir, "--tsa-trust", path.join(stamped.dir, "signer-cert.pem")).status, 1);
  });

  it("a package built without a TSA says its times are the server's own (PDF and verifier, zh-CN and en)", async () => {
    const r = verify(unstamped.dir);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /TRUSTED TIME none: every time in this package is the server's own clock; no RFC 3161 timestamp proves it\./);
    assert.match(r.stdout, /可信时间 无：本证据包中的所有时间均为服务器自身时钟，没有 RFC 3161 时间戳证明。/);
    assert.match(r.stdout, /authority asked 申请的机构: none configured 未配置/);
    const manifest = await readJson(path.join(unstamped.dir, "manifest.json"));
    assert.deepEqual(manifest.trustedTime, { authority: null });
    // zh-CN report.
    assert.ok(squeeze(pdfText(unstamped.dir)).includes(squeeze("无可信时间戳：本报告中的所有时间均为本服务器自身的时钟")), "zh-CN PDF lacks the server-time statement");
    assert.ok(squeeze(pdfText(unstamped.dir)).includes(squeeze("本服务器未配置时间戳服务机构。")));
    // An auditor who asks for trusted time is told there is none.
    const strict = verifyJson(unstamped.dir, "--tsa-trust", tsa.ca.certPath);
    assert.equal(strict.status, 1);
    assert.deepEqual(strict.result.failures.map((f) => f.path).sort(), ["event-tree-head.json", "manifest.sig", "report.pdf"]);
    assert.ok(strict.result.failures.every((f) => f.check === "trusted-time" && /no RFC 3161 timestamp \(no time-stamping authority configured\): this signature's time is the server's own/.test(f.message)));
  });

  it("a TSA that does not answer costs the timestamps, not the package, and the package says so", async () => {
    assert.equal(tsaDown.trustedTime.eventTreeHead?.status, "failed");
    assert.equal(tsaDown.trustedTime.report?.status, "failed");
    assert.equal(tsaDown.trustedTime.manifest?.status, "failed");
    const manifest = await readJson(path.join(tsaDown.dir, "manifest.json"));
    assert.deepEqual(manifest.trustedTime.eventTreeHead, { status: "failed", reason: "no answer within 2 s" });
    const r = verify(tsaDown.dir);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /TRUSTED TIME none: every time in this package is the server's own clock/);
    assert.match(r.stdout, /event log tree head \/ 事件日志树头: NO TIMESTAMP 无时间戳 — no answer within 2 s/);
    const text = pdfText(tsaDown.dir);
    assert.match(text, /No trusted timestamp: every time in this report is this server's own clock\./);
    assert.match(text, /The time-stamping authority was asked but gave no timestamp \(no answer within 2 s\)\./);
  });

  it("a token removed from a signature the manifest says was stamped is caught", async () => {
    // Rebuild the tree head signature without its token, with the package's own key: only the token is missing.
    const dir = await copyPackage(stamped.dir, path.join(work, "stripped-token"));
    const signer = await createSigner({ backend: { kind: "local", keyDir: path.join(work, "keys-stamped") } });
    const headFile = path.join(dir, "event-tree-head.json");
    const { signature: _old, ...body } = await readJson(headFile);
    const { canonicalJsonBytes } = await import("../../server/evidence/canonical-json");
    const resigned = await signer.sign(canonicalJsonBytes(body), { signingTime: new Date(body.timestamp) });
    await fs.writeFile(headFile, `${JSON.stringify({ ...body, signature: resigned.toString("base64") }, null, 2)}\n`);
    const { result } = verifyJson(dir);
    assert.ok(
      result.failures.some((f) => f.path === "event-tree-head.json" && f.check === "trusted-time" && /records a timestamp token for this signature, but the token is missing/.test(f.message)),
      JSON.stringify(result.failures),
    );
  });
});
