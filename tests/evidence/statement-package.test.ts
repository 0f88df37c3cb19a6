// The driver's statement in the evidence package: the text is canonical (same
// facts, same bytes, same SHA-256); the package carries the text, the signature
// PNG, the stroke data and statement.json, all in the manifest; the PDF shows
// the statement, the signature and its hashes; the verifier, from the package
// alone, reports that the text hashes to what the signed timeline says the
// driver signed, and catches a text that does not.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import type { PackageInputRaw } from "../../server/evidence/package-input";
import { statementSha256, statementText, type StatementFacts } from "../../server/evidence/statement-text";
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { formatVerifyResult } from "../../server/evidence/verify-report-text";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const facts: StatementFacts = {
  locale: "zh-CN",
  surveyId: "SV-2026-000123",
  claimNumber: "CLM-310000-2026-0042",
  policyNumber: "PDAA202631000000012345",
  plate: "沪A·D12345",
  policyholderName: "张伟",
  claimType: "motor_collision",
  incidentAt: "2026-11-21T08:30:00+08:00",
  incidentPlace: "上海市浦东新区世纪大道100号",
  photos: [{ item: "车牌", capturedAt: "2026-12-03T02:05:00.000Z", sha256: "c".repeat(64), verdict: "accepted" }],
  consent: { decision: "granted", at: "2026-12-03T02:00:00Z", noticeVersion: "2026-11" },
};

describe("statement text", () => {
  it("is canonical: the same facts give the same bytes, whatever form the times come in", () => {
    const a = statementText(facts);
    const b = statementText({ ...facts, incidentAt: new Date("2026-11-21T00:30:00Z"), consent: { ...facts.consent!, at: new Date("2026-12-03T02:00:00.000Z") } });
    assert.equal(a, b);
    assert.equal(statementSha256(a), sha(Buffer.from(a, "utf8")));
    assert.ok(a.endsWith("\n") && !a.endsWith("\n\n") && !a.includes("\r"));
    assert.ok(a.includes("出险时间: 2026-11-21 08:30:00 (UTC+08:00)"), a);
    assert.ok(a.includes(`1. 车牌 · 2026-12-03 10:05:00 (UTC+08:00) · 合格 · SHA-256 ${"c".repeat(64)}`), a);
    assert.ok(a.includes("本人于 2026-12-03 10:00:00 (UTC+08:00) 同意对本次查勘进行录音录像（告知版本 2026-11）。"), a);
  });

  it("changes with any fact, and is in the driver's language", () => {
    const base = statementSha256(statementText(facts));
    assert.notEqual(statementSha256(statementText({ ...facts, photos: [] })), base);
    assert.notEqual(statementSha256(statementText({ ...facts, consent: null })), base);
    assert.notEqual(statementSha256(statementText({ ...facts, plate: "沪A·D12346" })), base);
    const en = statementText({ ...facts, locale: "en" });
    assert.ok(en.startsWith("Statement of the insured driver\n"));
    assert.ok(en.includes("Time of incident: 2026-11-21 00:30:00 UTC"), en);
    assert.ok(en.includes("Claim type: Motor – collision"), en);
    assert.ok(statementText(facts).includes("案件类型: 车险 – 碰撞"));
    assert.ok(!/[\u4e00-\u9fff]/.test(en.replace(/沪A·D12345|张伟|上海市浦东新区世纪大道100号|车牌/g, "")), "no Chinese words of its own in the English statement");
  });

  it("is made for a driver who reported by video with only a plate (no policy number, no name): a dash stands for what was not given", () => {
    const text = statementText({ ...facts, policyNumber: "", policyholderName: "" });
    assert.ok(text.includes("车牌号: 沪A·D12345"), text);
    assert.match(text, /: —\n/);
    assert.equal((text.match(/: —\n/g) ?? []).length, 2, "the policy number and the name show a dash");
  });
});

describe("statement in the evidence package", () => {
  let work: string;
  let signed: BuiltPackage;
  let input: PackageInputRaw;
  let text: string;
  let png: Buffer;
  const strokesJson = JSON.stringify({ format: "claims-survey-strokes/1", width: 320, height: 160, strokes: [{ pointerType: "touch", points: [{ x: 10, y: 10, t: 0 }, { x: 200, y: 90, t: 120 }] }] });

  /** The fixture survey with a signed statement: the three statement events appended to its timeline. */
  function withStatement(base: PackageInputRaw, statement: { text: string; signedSha: string }): PackageInputRaw {
    const events = [...(base.events as { seq: number }[])] as PackageInputRaw["events"];
    const next = (type: string, actorId: string, actorRole: string, payload: Record<string, string>) =>
      events.push({ seq: events.length + 1, at: "2026-05-10T03:30:00Z", type, actorId, actorRole, payload });
    next("statement.requested", "p-agent", "agent", { statementSha256: statement.signedSha, locale: "zh-CN" });
    next("statement.signed", "p-holder", "policyholder", { statementSha256: statement.signedSha, imageSha256: sha(png), locale: "zh-CN", signedAt: "2026-05-10T03:31:00.000Z" });
    next("statement.confirmed", "p-agent", "agent", { role: "agent", statementSha256: statement.signedSha });
    next("statement.confirmed", "p-adjuster", "adjuster", { role: "adjuster", statementSha256: statement.signedSha });
    return {
      ...base,
      events,
      statement: {
        text: statement.text,
        sha256: statement.signedSha,
        locale: "zh-CN",
        signedAt: "2026-05-10T03:31:00Z",
        signedBy: "p-holder",
        imagePngBase64: png.toString("base64"),
        strokesJson,
        confirmations: [
          { role: "agent", by: "p-agent", at: "2026-05-10T03:32:00Z", statementSha256: statement.signedSha },
          { role: "adjuster", by: "p-adjuster", at: "2026-05-10T03:33:00Z", statementSha256: statement.signedSha },
        ],
      },
    };
  }

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-statement-"));
    png = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="160"><rect width="320" height="160" fill="white"/><path d="M10 10 L200 90" stroke="black" stroke-width="4"/></svg>')).png().toBuffer();
    text = statementText(facts);
    input = withStatement(await makeSurveyFixture(path.join(work, "src")), { text, signedSha: statementSha256(text) });
    signed = await buildEvidencePackage(input, { signer: await testSigner(), outDir: path.join(work, "out"), now: () => NOW });
  });
  after(async () => fs.rm(work, { recursive: true, force: true }));

  it("carries the text, the PNG, the strokes and statement.json, each hashed in the manifest", async () => {
    const byPath = new Map(signed.files.map((f) => [f.path, f]));
    const expect = [
      ["statement/statement.txt", "statement", Buffer.from(text, "utf8")],
      ["statement/signature.png", "signature-image", png],
      ["statement/strokes.json", "signature-strokes", Buffer.from(strokesJson)],
    ] as const;
    for (const [p, role, bytes] of expect) {
      const entry = byPath.get(p);
      assert.ok(entry, `${p} is in the manifest`);
      assert.equal(entry.role, role);
      assert.equal(entry.sha256, sha(bytes));
      assert.ok((await fs.readFile(path.join(signed.dir, p))).equals(bytes), `${p} holds the bytes given`);
    }
    const record = JSON.parse(await fs.readFile(path.join(signed.dir, "statement/statement.json"), "utf8"));
    assert.equal(byPath.get("statement/statement.json")?.role, "statement-record");
    assert.equal(record.signedStatementSha256, statementSha256(text));
    assert.equal(record.image.sha256, sha(png));
    assert.deepEqual(record.confirmations.map((c: { role: string }) => c.role), ["agent", "adjuster"]);
  });

  it("the verifier reports the statement's hash matches the signed one, with the signature and both confirmations", async () => {
    const r = await verifyEvidencePackage(signed.zipPath!);
    assert.equal(r.ok, true, r.failures.map((f) => `${f.path} [${f.check}] ${f.message}`).join("\n"));
    assert.equal(r.checks.statement, "pass");
    assert.equal(r.statement?.present, true);
    assert.equal(r.statement?.matches, true);
    assert.equal(r.statement?.statementSha256, statementSha256(text));
    assert.equal(r.statement?.signedStatementSha256, statementSha256(text));
    assert.equal(r.statement?.imageSha256, sha(png));
    assert.equal(r.statement?.imageMatches, true);
    assert.deepEqual(r.statement?.confirmations.map((c) => [c.role, c.matches]), [["agent", true], ["adjuster", true]]);
    assert.match(formatVerifyResult(r), new RegExp(`STATEMENT matches the signed hash[\\s\\S]*text      SHA-256 ${statementSha256(text)}`));
  });

  it("the PDF shows the statement, the signature image, its hashes and time", async () => {
    const pdf = path.join(signed.dir, "report.pdf");
    const layout = execFileSync("pdftotext", ["-layout", pdf, "-"]).toString();
    assert.ok(layout.includes("驾驶人声明与签名"), "the statement section");
    assert.ok(layout.includes(statementSha256(text)), "the statement's SHA-256");
    assert.ok(layout.includes(sha(png)), "the signature image's SHA-256");
    assert.ok(layout.includes("2026-05-10 11:31:00"), "the signing time in the report's zone");
    assert.ok(layout.includes("被保险驾驶人声明") && layout.includes("上海市浦东新区世纪大道100号"), "the statement text itself");
    const images = execFileSync("pdfimages", ["-list", pdf]).toString();
    assert.ok(images.split("\n").some((l) => /\b320\s+160\b/.test(l)), `the 320×160 signature image is embedded:\n${images}`);
  });

  it("a text that does not hash to what the driver signed fails, even in a package built and signed around it", async () => {
    // As if the stored text were edited after signing: the builder signs whatever it is given, the timeline keeps the signed hash.
    const edited = text.replace("张伟", "张三");
    const forged = await buildEvidencePackage(withStatement(await makeSurveyFixture(path.join(work, "src-forged")), { text: edited, signedSha: statementSha256(text) }), {
      signer: await testSigner(),
      outDir: path.join(work, "out-forged"),
      now: () => NOW,
    });
    const r = await verifyEvidencePackage(forged.dir);
    assert.equal(r.ok, false);
    assert.equal(r.checks.statement, "fail");
    assert.equal(r.checks["file-hash"], "pass", "every file matches its manifest: only the statement check sees it");
    const f = r.failures.find((x) => x.check === "statement");
    assert.equal(f?.path, "statement/statement.txt");
    assert.equal(f?.expected, statementSha256(text));
    assert.equal(f?.actual, statementSha256(edited));
    assert.equal(r.statement?.matches, false);
  });

  it("a package without a statement says none was signed; one whose timeline records a signature but lacks it fails", async () => {
    const plain = await buildEvidencePackage(await makeSurveyFixture(path.join(work, "src-plain")), { signer: await testSigner(), outDir: path.join(work, "out-plain"), now: () => NOW });
    const r = await verifyEvidencePackage(plain.dir);
    assert.equal(r.ok, true);
    assert.equal(r.statement?.present, false);
    assert.match(formatVerifyResult(r), /STATEMENT none signed/);
    const pdfText = execFileSync("pdftotext", [path.join(plain.dir, "report.pdf"), "-"]).toString();
    assert.ok(pdfText.includes("本次查勘中驾驶人未签署声明"));

    const { statement: _dropped, ...without } = withStatement(await makeSurveyFixture(path.join(work, "src-dropped")), { text, signedSha: statementSha256(text) });
    const dropped = await buildEvidencePackage(without, { signer: await testSigner(), outDir: path.join(work, "out-dropped"), now: () => NOW });
    const d = await verifyEvidencePackage(dropped.dir);
    assert.equal(d.ok, false);
    assert.equal(d.checks.statement, "fail");
    assert.match(d.failures.find((f) => f.check === "statement")?.message ?? "", /timeline records a signed statement/);
  });
});
