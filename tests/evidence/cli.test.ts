import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildEvidencePackage, type BuiltPackage } from "../../server/evidence/build-package";
import { copyPackage, flipByte } from "../fixtures/evidence/package-tree";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

const CLI = path.resolve(import.meta.dirname, "../../scripts/cli.mjs");
let work: string;
let built: BuiltPackage;

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-cli-"));
  const input = await makeSurveyFixture(path.join(work, "src"), { locale: "en" });
  built = await buildEvidencePackage(input, { signer: await testSigner(), outDir: path.join(work, "out") });
});

after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe("claims-survey verify", () => {
  it("exits 0 and says VALID for an untouched folder and zip", () => {
    for (const target of [built.dir, built.zipPath!]) {
      const r = run("verify", target);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^VALID /);
      assert.match(r.stdout, /ok {3}pdf-signature/);
    }
  });

  it("exits 1 and names the damaged file, check and hashes", async () => {
    const dir = await copyPackage(built.dir, path.join(work, "bad"));
    await flipByte(path.join(dir, "photos/cap-3.jpg"));
    const r = run("verify", dir);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^INVALID /);
    assert.match(r.stdout, /✗ photos\/cap-3\.jpg \[file-hash\] SHA-256 differs from the manifest\n\s+expected [0-9a-f]{64}\n\s+actual\s+[0-9a-f]{64}/);
  });

  it("--json prints the structured result", async () => {
    const dir = await copyPackage(built.dir, path.join(work, "bad-json"));
    await fs.rm(path.join(dir, "chat.json"));
    const r = run("verify", dir, "--json");
    assert.equal(r.status, 1);
    const result = JSON.parse(r.stdout);
    assert.equal(result.ok, false);
    assert.deepEqual(result.failures.map((f: { path: string; check: string }) => [f.path, f.check]), [["chat.json", "file-missing"]]);
  });

  it("--survey pins the survey id", () => {
    const r = run("verify", built.dir, "--survey", "SV-OTHER");
    assert.equal(r.status, 1);
    assert.match(r.stdout, /manifest\.json \[survey-binding\] package is for another survey/);
  });

  it("--trust accepts the insurer's certificate and says it matched", () => {
    const r = run("verify", built.dir, "--trust", path.join(built.dir, "signer-cert.pem"));
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /matches the trusted certificate/);
  });

  it("usage errors exit 2 with help; a missing path exits 1", () => {
    const none = run();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /usage: claims-survey verify/);
    const missing = run("verify", path.join(work, "nope"));
    assert.equal(missing.status, 1);
    assert.match(missing.stdout, /\[package-readable\] cannot open package/);
  });
});
