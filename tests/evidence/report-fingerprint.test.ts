// The PDF names the certificate that signed the package by its SHA-256 (what
// an insurer publishes and an auditor compares), in both languages, and it is
// the same fingerprint the manifest carries and the verifier computes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

let work: string;
const built: Partial<Record<"zh-CN" | "en", BuiltPackage>> = {};

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-fingerprint-"));
  for (const locale of ["zh-CN", "en"] as const) {
    const input = await makeSurveyFixture(path.join(work, `src-${locale}`), { locale, surveyId: `SV-FP-${locale}` });
    built[locale] = await buildEvidencePackage(input, { signer: await testSigner(), outDir: path.join(work, "out"), zip: false });
  }
});
after(() => fs.rm(work, { recursive: true, force: true }));

describe("signing certificate fingerprint in the report", () => {
  for (const [locale, label] of [["en", "Signing certificate SHA-256"], ["zh-CN", "签名证书 SHA-256"]] as const) {
    it(`${locale}: the PDF prints "${label}" with the manifest's certificate SHA-256`, async () => {
      const dir = built[locale]!.dir;
      const manifest = JSON.parse(await fs.readFile(path.join(dir, "manifest.json"), "utf8"));
      const fingerprint: string = manifest.signer.certificateSha256;
      assert.match(fingerprint, /^[0-9a-f]{64}$/);
      const verified = await verifyEvidencePackage(dir);
      assert.equal(verified.signer?.certificateSha256, fingerprint, "the verifier computes the same fingerprint from signer-cert.pem");
      const text = execFileSync("pdftotext", [path.join(dir, "report.pdf"), "-"]).toString();
      assert.ok(text.includes(label), `label missing:\n${text.slice(0, 1500)}`);
      // A long hex string may wrap inside its table cell.
      assert.ok(text.replace(/\s+/g, "").includes(fingerprint), `fingerprint ${fingerprint} not in the PDF text`);
    });
  }
});
