import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import { verifyPdfSignature } from "../../server/evidence/pdf-signature-verify";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

let work: string;
const built: Record<"zh-CN" | "en", BuiltPackage | undefined> = { "zh-CN": undefined, en: undefined };

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-pdf-"));
  for (const locale of ["zh-CN", "en"] as const) {
    const input = await makeSurveyFixture(path.join(work, `src-${locale}`), { locale, surveyId: `SV-PDF-${locale}` });
    built[locale] = await buildEvidencePackage(input, { signer: await testSigner(), outDir: path.join(work, "out"), zip: false });
  }
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

const pdfOf = (locale: "zh-CN" | "en") => path.join(built[locale]!.dir, "report.pdf");

describe("report PDF", () => {
  for (const locale of ["zh-CN", "en"] as const) {
    it(`${locale}: every page renders with pdftoppm, without font errors`, async () => {
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [pdfOf(locale)]).toString())![1]);
      assert.ok(pages >= 3, `only ${pages} pages`);
      const prefix = path.join(work, `render-${locale}`);
      const run = spawnSync("pdftoppm", ["-r", "40", "-png", pdfOf(locale), prefix]);
      assert.equal(run.status, 0, run.stderr.toString());
      // poppler reports broken embedded fonts on stderr while still exiting 0.
      assert.equal(run.stderr.toString(), "");
      const pngs = (await fs.readdir(work)).filter((f) => f.startsWith(`render-${locale}`) && f.endsWith(".png"));
      assert.equal(pngs.length, pages);
      for (const png of pngs) assert.ok((await fs.stat(path.join(work, png))).size > 1000, `${png} is empty`);
    });
  }

  it("zh-CN: the Chinese text is really in the PDF (extractable through the embedded CJK font)", () => {
    const text = execFileSync("pdftotext", [pdfOf("zh-CN"), "-"]).toString();
    for (const s of ["理赔查勘证据报告", "张伟", "沪A·D12345", "请先拍摄车头正面照片。", "知情同意", "录制连续性", "保存至（含当日）", "2031-05-31", "录制结束"]) {
      assert.ok(text.includes(s), `"${s}" not found in the PDF text`);
    }
    // The recorder's cause codes are worded, never printed raw.
    assert.ok(!text.includes("recorder-closed"), "a raw cause code in the zh-CN PDF");
    const fonts = execFileSync("pdffonts", [pdfOf("zh-CN")]).toString();
    assert.match(fonts, /NotoSansCJKsc-Regular/);
    assert.ok(fonts.split("\n").slice(2).filter(Boolean).every((l) => / yes /.test(l)), `a font is not embedded:\n${fonts}`);
  });

  it("en: English labels, pauses, gaps and the override are reported", () => {
    const text = execFileSync("pdftotext", ["-layout", pdfOf("en"), "-"]).toString();
    for (const s of ["Claims survey evidence report", "Recording continuity", "network loss", "camera switched", "Override", "划痕清晰可见", "Retain until"]) {
      assert.ok(text.includes(s), `"${s}" not found in the PDF text`);
    }
  });

  it("the signature's ByteRange covers the whole file except the signature itself", async () => {
    const pdf = await fs.readFile(pdfOf("zh-CN"));
    const r = verifyPdfSignature(pdf);
    assert.ok(r.ok, JSON.stringify(r.problems));
    const [start, len1, start2, len2] = r.byteRange!;
    assert.equal(start, 0);
    assert.equal(start2 + len2, pdf.length);
    assert.equal(pdf[len1], "<".charCodeAt(0));
    assert.equal(pdf[start2 - 1], ">".charCodeAt(0));
    assert.match(pdf.subarray(len1 - 12, len1).toString("latin1"), /\/Contents\s*$/);
  });

  it("poppler's pdfsig agrees the signature is valid and covers the whole document", () => {
    const out = spawnSync("pdfsig", [pdfOf("zh-CN")]).stdout.toString();
    assert.match(out, /Signature Validation: Signature is Valid/);
    assert.match(out, /Total document signed/);
    assert.match(out, /ETSI\.CAdES\.detached/);
  });

  it("any changed byte, covered or in the signature slot, and appended data are detected", async () => {
    const pdf = await fs.readFile(pdfOf("zh-CN"));
    const [, len1, start2] = verifyPdfSignature(pdf).byteRange!;
    const positions = [0, 100, Math.floor(len1 / 2), len1 - 1, len1 + 10, start2 - 10, start2 + 5, pdf.length - 1];
    for (const at of positions) {
      const copy = Buffer.from(pdf);
      copy[at] = copy[at]! ^ 0x01;
      const r = verifyPdfSignature(copy);
      assert.equal(r.ok, false, `flip at ${at} went unnoticed`);
    }
    const appended = Buffer.concat([pdf, Buffer.from("\n% incremental update\n")]);
    const r = verifyPdfSignature(appended);
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]!.check, "pdf-byterange");
  });
});
