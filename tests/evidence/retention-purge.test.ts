import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { RetentionFacts } from "../../server/evidence/package-input";
import { type PackageStore, purgeExpiredPackages, type StoredPackage } from "../../server/evidence/purge";
import { addYears, decideRetention, isPurgeable } from "../../server/evidence/retention";
import { pemBlocks } from "../../server/evidence/signer/pem";
import { fileTombstoneLog, verifyTombstoneLog } from "../../server/evidence/tombstone-log";
import { testSigner } from "../fixtures/evidence/test-signer";

const facts = (f: Partial<RetentionFacts>): RetentionFacts => ({ policyStart: "2024-01-01", policyEnd: "2024-12-31", legalHold: false, ...f });

describe("retention rules", () => {
  it("policy of one year or less: 5 years after the policy ends", () => {
    const d = decideRetention(facts({}));
    assert.equal(d.retainUntil, "2029-12-31");
    assert.equal(d.rule, "short-policy");
  });

  it("exactly one year counts as one year or less", () => {
    assert.equal(decideRetention(facts({ policyStart: "2024-03-01", policyEnd: "2025-03-01" })).rule, "short-policy");
  });

  it("longer than one year: 10 years after the policy ends", () => {
    const d = decideRetention(facts({ policyStart: "2024-03-01", policyEnd: "2025-03-02" }));
    assert.equal(d.rule, "long-policy");
    assert.equal(d.retainUntil, "2035-03-02");
  });

  it("a dispute extends retention to 2 years after it closes, if that is later", () => {
    const later = decideRetention(facts({ disputeClosedOn: "2029-06-30" }));
    assert.equal(later.retainUntil, "2031-06-30");
    assert.equal(later.rule, "dispute");
    const earlier = decideRetention(facts({ disputeClosedOn: "2026-01-15" }));
    assert.equal(earlier.retainUntil, "2029-12-31");
    assert.equal(earlier.rule, "short-policy");
  });

  it("29 February rolls back to 28 February", () => {
    assert.equal(addYears("2024-02-29", 5), "2029-02-28");
    assert.equal(addYears("2024-02-29", 4), "2028-02-29");
  });

  it("purgeable only from the day after retain-until, and never under legal hold", () => {
    const d = decideRetention(facts({}));
    assert.equal(isPurgeable(d, new Date("2029-12-31T23:59:59Z")), false);
    assert.equal(isPurgeable(d, new Date("2030-01-01T00:00:00Z")), true);
    assert.equal(isPurgeable(decideRetention(facts({ legalHold: true })), new Date("2090-01-01T00:00:00Z")), false);
  });

  it("the rules are configurable in one place", () => {
    const d = decideRetention(facts({}), { shortPolicyMaxYears: 1, yearsAfterShortPolicy: 7, yearsAfterLongPolicy: 10, yearsAfterDispute: 2 });
    assert.equal(d.retainUntil, "2031-12-31");
  });
});

class MemoryStore implements PackageStore {
  deleted: string[] = [];
  constructor(public packages: StoredPackage[]) {}
  async list() {
    return this.packages.filter((p) => !this.deleted.includes(p.packageId));
  }
  async delete(id: string) {
    if (id === "pkg-undeletable") throw new Error("disk is read-only");
    this.deleted.push(id);
  }
}

describe("purge", () => {
  let work: string;
  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-purge-"));
  });
  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const pkg = (packageId: string, f: Partial<RetentionFacts>): StoredPackage => ({
    packageId,
    surveyId: `SV-${packageId}`,
    manifestSha256: "a".repeat(64),
    retention: facts(f),
  });

  it("purges expired packages with a signed tombstone; keeps held and unexpired ones", async () => {
    const signer = await testSigner();
    const logFile = path.join(work, "tombstones.jsonl");
    const store = new MemoryStore([
      pkg("pkg-expired", {}),
      pkg("pkg-held", { legalHold: true }),
      pkg("pkg-disputed", { disputeClosedOn: "2029-06-30" }),
      pkg("pkg-long", { policyStart: "2022-01-01", policyEnd: "2024-12-31" }),
      pkg("pkg-expired-2", { policyEnd: "2024-06-30" }),
    ]);
    const clock = () => new Date("2030-02-01T08:00:00Z");
    const report = await purgeExpiredPackages({ store, log: fileTombstoneLog(logFile), signer, clock });

    assert.deepEqual(store.deleted, ["pkg-expired", "pkg-expired-2"]);
    assert.deepEqual(
      report.kept.map((k) => [k.packageId, k.reason, k.retainUntil]),
      [
        ["pkg-held", "legal-hold", "2029-12-31"],
        ["pkg-disputed", "not-expired", "2031-06-30"],
        ["pkg-long", "not-expired", "2034-12-31"],
      ],
    );
    assert.deepEqual(report.purged.map((t) => [t.packageId, t.rule, t.purgedAt, t.manifestSha256]), [
      ["pkg-expired", "short-policy", "2030-02-01T08:00:00.000Z", "a".repeat(64)],
      ["pkg-expired-2", "short-policy", "2030-02-01T08:00:00.000Z", "a".repeat(64)],
    ]);

    const cert = pemBlocks(signer.certificateChainPem(), "CERTIFICATE")[0];
    const check = await verifyTombstoneLog(logFile, cert);
    assert.ok(check.ok, JSON.stringify(check.problems));
    assert.equal(check.entries.length, 2);

    // Editing or removing a tombstone is detected.
    const lines = (await fs.readFile(logFile, "utf8")).trimEnd().split("\n");
    await fs.writeFile(logFile, `${lines[0]!.replace("pkg-expired", "pkg-innocent")}\n${lines[1]}\n`);
    const edited = await verifyTombstoneLog(logFile, cert);
    assert.ok(edited.problems.some((p) => p.line === 1 && /signed content changed/.test(p.message)));
    assert.ok(edited.problems.some((p) => p.line === 2 && /hash chain broken/.test(p.message)));
    await fs.writeFile(logFile, `${lines[1]}\n`);
    assert.ok((await verifyTombstoneLog(logFile, cert)).problems.some((p) => /hash chain broken/.test(p.message)));
  });

  it("nothing expires before its date; a later clock purges it", async () => {
    const signer = await testSigner();
    const store = new MemoryStore([pkg("pkg-a", {})]);
    const log = fileTombstoneLog(path.join(work, "t2.jsonl"));
    const early = await purgeExpiredPackages({ store, log, signer, clock: () => new Date("2029-12-31T12:00:00Z") });
    assert.deepEqual(early.purged, []);
    assert.deepEqual(store.deleted, []);
    const late = await purgeExpiredPackages({ store, log, signer, clock: () => new Date("2030-01-01T00:00:00Z") });
    assert.deepEqual(late.purged.map((t) => t.packageId), ["pkg-a"]);
  });

  it("dry run deletes nothing and writes no tombstone; a failing delete is reported and others continue", async () => {
    const signer = await testSigner();
    const logFile = path.join(work, "t3.jsonl");
    const store = new MemoryStore([pkg("pkg-undeletable", {}), pkg("pkg-b", {})]);
    const clock = () => new Date("2031-01-01T00:00:00Z");
    const dry = await purgeExpiredPackages({ store, log: fileTombstoneLog(logFile), signer, clock, dryRun: true });
    assert.deepEqual(dry.wouldPurge, ["pkg-undeletable", "pkg-b"]);
    await assert.rejects(fs.stat(logFile), { code: "ENOENT" });
    const real = await purgeExpiredPackages({ store, log: fileTombstoneLog(logFile), signer, clock });
    assert.deepEqual(real.errors, [{ packageId: "pkg-undeletable", message: "disk is read-only" }]);
    assert.deepEqual(store.deleted, ["pkg-b"]);
  });
});
