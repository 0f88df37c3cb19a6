import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { canonicalJson } from "../../server/evidence/canonical-json";
import {
  eventLeaf,
  inclusionProof,
  merkleRoot,
  signTreeHead,
  verifyInclusion,
  verifyTreeHeadSignature,
} from "../../server/evidence/event-log-merkle";
import { testSigner } from "../fixtures/evidence/test-signer";

const sha = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash("sha256")).digest();

// Straight from the RFC 6962 definition, written independently of the implementation:
// split the list in two at the largest power of two below its length.
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k << 1 < leaves.length) k <<= 1;
  return sha(Buffer.from([1]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

// The inputs of the Certificate Transparency reference test suite.
const CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map((h) => Buffer.from(h, "hex"));

describe("RFC 6962 Merkle tree", () => {
  it("matches the Certificate Transparency test vectors", () => {
    assert.equal(merkleRoot([]).toString("hex"), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.equal(merkleRoot(CT_LEAVES.slice(0, 1)).toString("hex"), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    assert.equal(merkleRoot(CT_LEAVES).toString("hex"), "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  });

  it("agrees with an independent implementation for every size up to 40", () => {
    const leaves = Array.from({ length: 40 }, (_, i) => Buffer.from(`event ${i}`));
    for (let n = 0; n <= leaves.length; n++) assert.ok(merkleRoot(leaves.slice(0, n)).equals(referenceRoot(leaves.slice(0, n))), `size ${n}`);
  });

  it("inclusion proofs verify for every leaf of every size up to 20, and fail for a wrong leaf", () => {
    const leaves = Array.from({ length: 20 }, (_, i) => Buffer.from(`e${i}`));
    for (let n = 1; n <= 20; n++) {
      const root = merkleRoot(leaves.slice(0, n));
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves.slice(0, n), i);
        assert.ok(verifyInclusion(leaves[i]!, i, n, proof, root), `leaf ${i} of ${n}`);
        assert.equal(verifyInclusion(Buffer.from("forged"), i, n, proof, root), false);
        if (n > 1) assert.equal(verifyInclusion(leaves[i]!, (i + 1) % n, n, proof, root), false, `leaf ${i} proven at wrong index`);
      }
    }
  });

  it("removing, inserting or reordering an event changes the root", () => {
    const leaves = Array.from({ length: 9 }, (_, i) => Buffer.from(`e${i}`));
    const root = merkleRoot(leaves).toString("hex");
    const removed = leaves.filter((_, i) => i !== 4);
    const inserted = [...leaves.slice(0, 3), Buffer.from("x"), ...leaves.slice(3)];
    const reordered = [...leaves];
    [reordered[1], reordered[2]] = [reordered[2]!, reordered[1]!];
    for (const changed of [removed, inserted, reordered]) assert.notEqual(merkleRoot(changed).toString("hex"), root);
  });

  it("leaves are canonical JSON bound to the survey", () => {
    const e = { seq: 1, at: "2026-01-01T00:00:00.000Z", type: "t", actorId: "a", payload: { b: 2, a: [1, "中"] } };
    const leaf = eventLeaf("SV-1", e).toString();
    assert.equal(leaf, '{"actorId":"a","actorRole":null,"at":"2026-01-01T00:00:00.000Z","payload":{"a":[1,"中"],"b":2},"seq":1,"surveyId":"SV-1","type":"t"}');
    assert.equal(canonicalJson(JSON.parse(leaf)), leaf);
    assert.notEqual(eventLeaf("SV-2", e).toString(), leaf);
    assert.throws(() => canonicalJson({ x: Number.NaN }), /cannot represent/);
  });

  it("a signed tree head verifies and any change to it does not", async () => {
    const signer = await testSigner();
    const head = await signTreeHead(signer, "SV-1", [Buffer.from("a"), Buffer.from("b")], new Date());
    assert.deepEqual(verifyTreeHeadSignature(head), []);
    assert.ok(verifyTreeHeadSignature({ ...head, treeSize: 3 }).length > 0);
    assert.ok(verifyTreeHeadSignature({ ...head, surveyId: "SV-2" }).length > 0);
    assert.ok(verifyTreeHeadSignature({ ...head, rootHash: "0".repeat(64) }).some((p) => p.blame === "content"));
  });
});
