import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvidencePackage, type BuildProgress, type BuiltPackage } from "../../server/evidence/build-package";
import { PackageInputError, type PackageInputRaw } from "../../server/evidence/package-input";
import { verifyEvidencePackage, type VerifyResult } from "../../server/evidence/verify-package";
import { copyPackage, flipByte, listFiles, zipFolder } from "../fixtures/evidence/package-tree";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

// Signing times must fall inside the (freshly generated) certificate's validity, so "now" is real.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let work: string;
let inputA: PackageInputRaw;
let a: BuiltPackage;
let b: BuiltPackage;
let progress: BuildProgress[];

function describeFailures(r: VerifyResult): string {
  return r.failures.map((f) => `${f.path} [${f.check}] ${f.message}`).join("\n");
}

function assertFailsOn(r: VerifyResult, file: string, checks: string[]): void {
  assert.equal(r.ok, false, `expected verification to fail for ${file}`);
  const named = r.failures.filter((f) => f.path === file);
  assert.ok(named.length > 0, `no failure names ${file}; got:\n${describeFailures(r)}`);
  assert.ok(
    named.some((f) => checks.includes(f.check)),
    `failures for ${file} are ${named.map((f) => f.check).join(", ")}, expected one of ${checks.join(", ")}`,
  );
}

async function tampered(name: string): Promise<string> {
  return copyPackage(a.dir, path.join(work, "tamper", `${name}-${Math.random().toString(36).slice(2)}`));
}

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-pkg-"));
  const signer = await testSigner();
  inputA = await makeSurveyFixture(path.join(work, "src-a"));
  const inputB = await makeSurveyFixture(path.join(work, "src-b"), { surveyId: "SV-2026-000999" });
  progress = [];
  a = await buildEvidencePackage(inputA, { signer, outDir: path.join(work, "out"), now: () => NOW, onProgress: (p) => progress.push(p) });
  b = await buildEvidencePackage(inputB, { signer, outDir: path.join(work, "out"), now: () => NOW });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("evidence package: build", () => {
  it("writes the documented layout and a zip", async () => {
    const files = await listFiles(a.dir);
    for (const f of ["manifest.json", "manifest.sig", "signer-cert.pem", "report.pdf", "chat.json", "events.jsonl", "event-tree-head.json", "survey.json"]) {
      assert.ok(files.includes(f), `${f} missing from ${files.join(", ")}`);
    }
    assert.deepEqual(files.filter((f) => f.startsWith("photos/")), ["photos/cap-1.jpg", "photos/cap-2.jpg", "photos/cap-3.jpg"]);
    assert.equal(files.filter((f) => f.startsWith("thumbnails/")).length, 3);
    assert.equal(files.filter((f) => f.startsWith("recordings/")).length, 3);
    assert.ok(a.zipPath && (await fs.stat(a.zipPath)).size > 0);
    assert.match(a.packageId, /^SV-2026-000123\.\d{8}T\d{6}Z$/);
  });

  it("the zip is a standard archive whose CRC-32s check out with an independent reader", () => {
    const script = "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.testzip()); print(len(z.namelist()))";
    const out = execFileSync("python3", ["-c", script, a.zipPath!]).toString().trim().split("\n");
    assert.deepEqual(out, ["None", String(a.files.length + 2)]);
  });

  it("keeps original photo and recording bytes untouched", async () => {
    const input = inputA as { captures: { id: string; originalPath: string }[]; recordings: { id: string; path: string }[] };
    for (const c of input.captures) assert.ok((await fs.readFile(c.originalPath)).equals(await fs.readFile(path.join(a.dir, `photos/${c.id}.jpg`))));
    for (const r of input.recordings) assert.ok((await fs.readFile(r.path)).equals(await fs.readFile(path.join(a.dir, `recordings/${r.id}.webm`))));
  });

  it("reports progress by stage, monotonically, ending at 1", () => {
    const stages = new Set(progress.map((p) => p.stage));
    for (const s of ["validate", "media", "event-log", "report", "manifest", "finalize", "done"]) assert.ok(stages.has(s as BuildProgress["stage"]), `stage ${s} not reported`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.fraction >= progress[i - 1]!.fraction);
    assert.equal(progress.at(-1)!.fraction, 1);
  });

  it("refuses to overwrite an existing package", async () => {
    await assert.rejects(
      buildEvidencePackage(inputA, { signer: await testSigner(), outDir: path.join(work, "out"), now: () => NOW }),
      /already exists; refusing to overwrite/,
    );
  });

  it("rejects invalid input with the field named, writing nothing", async () => {
    const outDir = path.join(work, "out-invalid");
    const bad = { ...inputA, qualityModelSha256: "nope", events: [...(inputA.events as object[])].reverse() };
    await assert.rejects(buildEvidencePackage(bad, { signer: await testSigner(), outDir, now: () => NOW }), (err: unknown) => {
      assert.ok(err instanceof PackageInputError);
      assert.match(err.message, /qualityModelSha256/);
      assert.match(err.message, /events\.0\.seq: expected seq 1/);
      return true;
    });
    await assert.rejects(fs.stat(outDir), { code: "ENOENT" });
  });

  it("names a missing source file and leaves no partial package", async () => {
    const outDir = path.join(work, "out-missing");
    const input = structuredClone(inputA) as { recordings: { path: string }[] };
    input.recordings[1]!.path = "/nonexistent/rec.webm";
    await assert.rejects(
      buildEvidencePackage(input, { signer: await testSigner(), outDir, now: () => NOW }),
      /recordings\.rec-holder-audio\.path: \/nonexistent\/rec\.webm cannot be read \(ENOENT\)/,
    );
    await assert.rejects(fs.stat(outDir), { code: "ENOENT" });
  });

  it("hard-links media when asked and still verifies", async () => {
    const built = await buildEvidencePackage(inputA, {
      signer: await testSigner(),
      outDir: path.join(work, "out-linked"),
      now: () => NOW,
      mediaFiles: "hardlink",
      zip: false,
    });
    const input = inputA as { recordings: { path: string }[] };
    assert.equal((await fs.stat(input.recordings[0]!.path)).ino, (await fs.stat(path.join(built.dir, "recordings/rec-holder-video.webm"))).ino);
    assert.equal(built.zipPath, undefined);
    const r = await verifyEvidencePackage(built.dir);
    assert.ok(r.ok, describeFailures(r));
  });
});

describe("evidence package: verify", () => {
  it("an untouched package verifies, as a folder and as a zip", async () => {
    for (const target of [a.dir, a.zipPath!]) {
      const r = await verifyEvidencePackage(target);
      assert.ok(r.ok, describeFailures(r));
      assert.equal(r.surveyId, "SV-2026-000123");
      assert.equal(r.filesChecked, a.files.length);
      assert.ok(Object.values(r.checks).every((c) => c === "pass"), JSON.stringify(r.checks));
    }
  });

  it("flipping one byte of each file fails, naming that file", async () => {
    const files = await listFiles(a.dir);
    assert.equal(files.length, a.files.length + 2);
    const expectedChecks = (f: string) =>
      f === "manifest.json" ? ["manifest-signature", "manifest"] : f === "manifest.sig" ? ["manifest-signature"] : ["file-hash"];
    for (const file of files) {
      const dir = await tampered("flip");
      await flipByte(path.join(dir, file));
      const r = await verifyEvidencePackage(dir);
      assertFailsOn(r, file, expectedChecks(file));
      await fs.rm(dir, { recursive: true });
    }
  });

  it("a tampered file inside the zip is found and named", async () => {
    const dir = await tampered("zip");
    await flipByte(path.join(dir, "recordings/rec-agent-audio.webm"));
    const zip = path.join(work, "tampered.zip");
    await zipFolder(dir, zip);
    assertFailsOn(await verifyEvidencePackage(zip), "recordings/rec-agent-audio.webm", ["file-hash"]);
  });

  it("a removed file is reported missing", async () => {
    const dir = await tampered("remove");
    await fs.rm(path.join(dir, "photos/cap-2.jpg"));
    assertFailsOn(await verifyEvidencePackage(dir), "photos/cap-2.jpg", ["file-missing"]);
  });

  it("an added file is reported as extra", async () => {
    const dir = await tampered("add");
    await fs.writeFile(path.join(dir, "photos/cap-9.jpg"), "not evidence");
    const r = await verifyEvidencePackage(dir);
    assertFailsOn(r, "photos/cap-9.jpg", ["file-extra"]);
    assert.equal(r.failures.length, 1, describeFailures(r));
  });

  it("reordered events are detected against the signed tree head", async () => {
    const dir = await tampered("reorder");
    const file = path.join(dir, "events.jsonl");
    const lines = (await fs.readFile(file, "utf8")).trimEnd().split("\n");
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    await fs.writeFile(file, `${lines.join("\n")}\n`);
    const r = await verifyEvidencePackage(dir);
    assertFailsOn(r, "events.jsonl", ["event-log"]);
    assert.ok(r.failures.some((f) => f.check === "event-log" && /out of sequence/.test(f.message)), describeFailures(r));
    assert.ok(r.failures.some((f) => f.check === "event-log" && /Merkle root/.test(f.message)), describeFailures(r));
  });

  it("a deleted event is detected", async () => {
    const dir = await tampered("delete-event");
    const file = path.join(dir, "events.jsonl");
    const lines = (await fs.readFile(file, "utf8")).trimEnd().split("\n");
    lines.splice(6, 1);
    await fs.writeFile(file, `${lines.join("\n")}\n`);
    const r = await verifyEvidencePackage(dir);
    assertFailsOn(r, "events.jsonl", ["event-log"]);
    assert.ok(r.failures.some((f) => /number of events differs/.test(f.message) && f.expected === "16" && f.actual === "15"), describeFailures(r));
  });

  it("an inserted event is detected even when sequence numbers are rewritten", async () => {
    const dir = await tampered("insert-event");
    const file = path.join(dir, "events.jsonl");
    const events = (await fs.readFile(file, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l));
    events.splice(5, 0, { ...events[5], type: "consent.refused" });
    const rewritten = events.map((e, i) => JSON.stringify(Object.fromEntries(Object.entries({ ...e, seq: i + 1 }).sort(([x], [y]) => (x < y ? -1 : 1)))));
    await fs.writeFile(file, `${rewritten.join("\n")}\n`);
    const r = await verifyEvidencePackage(dir);
    assert.ok(r.failures.some((f) => f.path === "events.jsonl" && /Merkle root/.test(f.message)), describeFailures(r));
  });

  it("another survey's photo swapped in fails its hash", async () => {
    const dir = await tampered("swap-photo");
    await fs.copyFile(path.join(b.dir, "photos/cap-1.jpg"), path.join(dir, "photos/cap-1.jpg"));
    assertFailsOn(await verifyEvidencePackage(dir), "photos/cap-1.jpg", ["file-hash"]);
  });

  it("another survey's signed event log swapped in is named as belonging to another survey", async () => {
    const dir = await tampered("swap-events");
    for (const f of ["events.jsonl", "event-tree-head.json"]) await fs.copyFile(path.join(b.dir, f), path.join(dir, f));
    const r = await verifyEvidencePackage(dir);
    // Both files are validly signed by the same key: only the survey binding gives them away.
    assert.equal(r.checks["tree-head-signature"], "pass");
    assertFailsOn(r, "event-tree-head.json", ["survey-binding"]);
    assertFailsOn(r, "events.jsonl", ["survey-binding"]);
  });

  it("another survey's signed report swapped in is named", async () => {
    const dir = await tampered("swap-report");
    await fs.copyFile(path.join(b.dir, "report.pdf"), path.join(dir, "report.pdf"));
    const r = await verifyEvidencePackage(dir);
    assert.equal(r.checks["pdf-signature"], "pass");
    assertFailsOn(r, "report.pdf", ["survey-binding"]);
    assert.ok(r.failures.some((f) => f.path === "report.pdf" && f.message === "report is about another survey" && f.actual === "SV-2026-000999"));
  });

  it("another survey's signed manifest swapped in fails the expected-survey check", async () => {
    const dir = await tampered("swap-manifest");
    for (const f of ["manifest.json", "manifest.sig"]) await fs.copyFile(path.join(b.dir, f), path.join(dir, f));
    const r = await verifyEvidencePackage(dir, { expectedSurveyId: "SV-2026-000123" });
    assert.equal(r.checks["manifest-signature"], "pass");
    assertFailsOn(r, "manifest.json", ["survey-binding"]);
  });

  it("a package signed by another key fails when the auditor pins the certificate", async () => {
    const pinned = execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=Published insurer key", "-days", "1"], {
      stdio: ["ignore", "pipe", "ignore"],
    }).toString();
    const r = await verifyEvidencePackage(a.dir, { trustedCertificatePem: pinned });
    assertFailsOn(r, "manifest.sig", ["manifest-signature"]);
    assertFailsOn(r, "signer-cert.pem", ["signer-certificate"]);
    const own = await fs.readFile(path.join(a.dir, "signer-cert.pem"), "utf8");
    const ok = await verifyEvidencePackage(a.dir, { trustedCertificatePem: own });
    assert.ok(ok.ok && ok.signer?.pinned, describeFailures(ok));
  });

  it("a symlink in the package is rejected", async () => {
    const dir = await tampered("symlink");
    await fs.rm(path.join(dir, "recordings/rec-agent-audio.webm"));
    await fs.symlink(path.join(a.dir, "recordings/rec-agent-audio.webm"), path.join(dir, "recordings/rec-agent-audio.webm"));
    assertFailsOn(await verifyEvidencePackage(dir), "recordings/rec-agent-audio.webm", ["file-type"]);
  });
});
