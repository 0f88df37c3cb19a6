// The identity step in the evidence package: identity.json and the portrait
// crop are in the manifest; the PDF prints what was read, how it compared
// with the claim and the agent's attestation; the offline verifier's identity
// check passes, and fails — in a package built and signed around it, so every
// file matches its manifest — when identity.json says other than the signed
// timeline (an attestation turned around, a swapped portrait).
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
import { verifyEvidencePackage } from "../../server/evidence/verify-package";
import { formatVerifyResult } from "../../server/evidence/verify-report-text";
import { makeSurveyFixture } from "../fixtures/evidence/survey-fixture";
import { testSigner } from "../fixtures/evidence/test-signer";

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const MODEL = { detectionSha256: "d".repeat(64), recognitionSha256: "e".repeat(64), dictionarySha256: "f".repeat(64) };

describe("identity step in the evidence package", () => {
  let work: string;
  let portrait: Buffer;
  let otherPortrait: Buffer;
  let signed: BuiltPackage;

  /** The fixture's three photos as card front, back and face, with the timeline's identity events. */
  async function withIdentity(dir: string, opts: { portrait: Buffer; recordedDecision?: "confirmed" | "not_confirmed"; claimedDecision?: "confirmed" | "not_confirmed" } ): Promise<PackageInputRaw> {
    const base = await makeSurveyFixture(dir);
    const front = base.captures[0]!;
    const cardSha256 = sha(await fs.readFile(front.originalPath));
    const reading = {
      captureId: front.id,
      cardSha256,
      name: "张伟",
      idNumber: "11010519491231002X",
      idNumberValid: true,
      expected: { name: "张伟", idNumber: "11010519491231002X" },
      nameMatches: true,
      numberMatches: true,
      portraitSha256: sha(portrait),
      lines: ["姓名", "张伟", "公民身份号码", "11010519491231002X"],
      model: MODEL,
    };
    const events = [...(base.events as { seq: number }[])] as PackageInputRaw["events"];
    const next = (type: string, actorId: string | null, payload: PackageInputRaw["events"][number]["payload"]) =>
      events.push({ seq: events.length + 1, at: "2026-03-14T02:20:00Z", type, actorId, actorRole: actorId ? "agent" : null, payload });
    next("identity.requested", "p-agent", { items: ["identity_card_front", "identity_card_back", "identity_face"] });
    next("identity.read", null, { ...reading, portraitKey: "x/identity/p.jpg" });
    next("identity.attested", "p-agent", { decision: opts.recordedDecision ?? "confirmed", reason: "证件与本人一致", portraitSha256: reading.portraitSha256 });
    return {
      ...base,
      events,
      identity: {
        shots: { front: front.id, back: base.captures[1]!.id, face: base.captures[2]!.id },
        reading,
        portraitJpegBase64: opts.portrait.toString("base64"),
        attestation: { decision: opts.claimedDecision ?? opts.recordedDecision ?? "confirmed", reason: "证件与本人一致", by: "p-agent", at: "2026-03-14T02:20:00Z" },
      },
    };
  }

  before(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-identity-"));
    portrait = await sharp({ create: { width: 120, height: 160, channels: 3, background: "#7d8791" } }).jpeg().toBuffer();
    otherPortrait = await sharp({ create: { width: 120, height: 160, channels: 3, background: "#203040" } }).jpeg().toBuffer();
    signed = await buildEvidencePackage(await withIdentity(path.join(work, "src"), { portrait }), { signer: await testSigner(), outDir: path.join(work, "out"), now: () => NOW });
  });
  after(async () => fs.rm(work, { recursive: true, force: true }));

  it("carries identity.json and the portrait in the manifest; the verifier passes it; the PDF prints it", async () => {
    const byPath = new Map(signed.files.map((f) => [f.path, f]));
    assert.equal(byPath.get("identity/portrait.jpg")?.role, "identity-portrait");
    assert.equal(byPath.get("identity/portrait.jpg")?.sha256, sha(portrait));
    assert.equal(byPath.get("identity/identity.json")?.role, "identity-record");
    const record = JSON.parse(await fs.readFile(path.join(signed.dir, "identity/identity.json"), "utf8"));
    assert.equal(record.portrait.sha256, sha(portrait));
    assert.equal(record.attestation.decision, "confirmed");

    const r = await verifyEvidencePackage(signed.dir);
    assert.equal(r.ok, true, r.failures.map((f) => `${f.path} [${f.check}] ${f.message}`).join("\n"));
    assert.equal(r.checks.identity, "pass");
    assert.deepEqual(
      [r.identity?.present, r.identity?.name, r.identity?.idNumber, r.identity?.cardMatches, r.identity?.portraitMatches, r.identity?.decision],
      [true, "张伟", "11010519491231002X", true, true, "confirmed"],
    );
    assert.match(formatVerifyResult(r), /IDENTITY confirmed by the agent[\s\S]*name read\s+张伟 \(matches the claim\)/);

    const layout = execFileSync("pdftotext", ["-layout", path.join(signed.dir, "report.pdf"), "-"]).toString();
    assert.ok(layout.includes("身份核验"), "the identity section");
    assert.ok(layout.includes("11010519491231002X") && layout.includes("身份核验通过"), "the number read and the attestation");
    assert.ok(layout.includes(sha(portrait)), "the portrait's SHA-256");
  });

  it("an attestation in identity.json that the timeline does not record fails the identity check", async () => {
    const forged = await buildEvidencePackage(await withIdentity(path.join(work, "src-turned"), { portrait, recordedDecision: "not_confirmed", claimedDecision: "confirmed" }), {
      signer: await testSigner(),
      outDir: path.join(work, "out-turned"),
      now: () => NOW,
    });
    const r = await verifyEvidencePackage(forged.dir);
    assert.equal(r.ok, false);
    assert.equal(r.checks["file-hash"], "pass", "every file matches its manifest: only the identity check sees it");
    assert.equal(r.checks.identity, "fail");
    assert.match(r.failures.find((f) => f.check === "identity")?.message ?? "", /attestation is not the last one the timeline records/);
  });

  it("a portrait that is not the one the reading recorded fails the identity check", async () => {
    const input = await withIdentity(path.join(work, "src-swapped"), { portrait });
    const swapped = await buildEvidencePackage({ ...input, identity: { ...input.identity!, portraitJpegBase64: otherPortrait.toString("base64") } }, {
      signer: await testSigner(),
      outDir: path.join(work, "out-swapped"),
      now: () => NOW,
    });
    const r = await verifyEvidencePackage(swapped.dir);
    assert.equal(r.checks.identity, "fail");
    const f = r.failures.find((x) => x.check === "identity" && x.path === "identity/portrait.jpg");
    assert.equal(f?.expected, sha(portrait));
    assert.equal(f?.actual, sha(otherPortrait));
    assert.equal(r.identity?.portraitMatches, false);
  });
});
