// Commits to the survey timeline with an RFC 6962 Merkle tree and a signed
// tree head, so that removing, inserting or reordering any event changes the
// root a signature vouches for, and a single event can later be proven part of
// the log (inclusion proof) without disclosing the others.
import { createHash } from "node:crypto";
import { z } from "zod";
import { canonicalJsonBytes } from "./canonical-json";
import type { TimelineEvent } from "./package-input";
import type { SignOptions, Signer } from "./signer/signer";
import { type CmsProblem, verifyCms, type CmsVerification } from "./signer/cms-verify";
import type { TimestampCheckOptions } from "./signer/timestamp-verify";

const sha256 = (...parts: Buffer[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 6962 2.1: leaf hash = SHA-256(0x00 || leaf). */
export const leafHash = (leaf: Buffer) => sha256(Buffer.from([0]), leaf);
/** RFC 6962 2.1: interior node = SHA-256(0x01 || left || right). */
export const nodeHash = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right);

/** Largest power of two strictly smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rootOfLeafHashes(hashes: Buffer[]): Buffer {
  if (hashes.length === 0) return sha256();
  if (hashes.length === 1) return hashes[0]!;
  const k = split(hashes.length);
  return nodeHash(rootOfLeafHashes(hashes.slice(0, k)), rootOfLeafHashes(hashes.slice(k)));
}

/** Merkle Tree Hash of the leaves (RFC 6962 2.1). */
export function merkleRoot(leaves: Buffer[]): Buffer {
  return rootOfLeafHashes(leaves.map(leafHash));
}

/** Audit path for leaf `index` (RFC 6962 2.1.1), bottom-up. */
export function inclusionProof(leaves: Buffer[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`);
  const path = (hashes: Buffer[], m: number): Buffer[] => {
    if (hashes.length <= 1) return [];
    const k = split(hashes.length);
    return m < k
      ? [...path(hashes.slice(0, k), m), rootOfLeafHashes(hashes.slice(k))]
      : [...path(hashes.slice(k), m - k), rootOfLeafHashes(hashes.slice(0, k))];
  };
  return path(leaves.map(leafHash), index);
}

/** Checks an audit path (RFC 9162 2.1.3.2). */
export function verifyInclusion(leaf: Buffer, index: number, treeSize: number, proof: Buffer[], root: Buffer): boolean {
  if (index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

/** The leaf for one timeline event: its canonical JSON, bound to the survey. */
export function eventLeaf(surveyId: string, event: TimelineEvent): Buffer {
  return canonicalJsonBytes({
    surveyId,
    seq: event.seq,
    at: event.at,
    type: event.type,
    actorId: event.actorId ?? null,
    actorRole: event.actorRole ?? null,
    payload: event.payload ?? null,
  });
}

export const treeHeadBodySchema = z.object({
  version: z.literal(1),
  surveyId: z.string(),
  treeSize: z.number().int().nonnegative(),
  rootHash: z.string().regex(/^[0-9a-f]{64}$/),
  timestamp: z.iso.datetime(),
  hashAlgorithm: z.literal("sha256"),
  leafEncoding: z.literal("rfc6962-leaf/canonical-json-line"),
  keyId: z.string(),
});
export const signedTreeHeadSchema = treeHeadBodySchema.extend({
  /** Base64 detached CMS over the canonical JSON of every other field. */
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
export type TreeHeadBody = z.infer<typeof treeHeadBodySchema>;
export type SignedTreeHead = z.infer<typeof signedTreeHeadSchema>;

export async function signTreeHead(
  signer: Signer,
  surveyId: string,
  leaves: Buffer[],
  now: Date,
  onTimestamp?: SignOptions["onTimestamp"],
): Promise<SignedTreeHead> {
  const body: TreeHeadBody = {
    version: 1,
    surveyId,
    treeSize: leaves.length,
    rootHash: merkleRoot(leaves).toString("hex"),
    timestamp: now.toISOString(),
    hashAlgorithm: "sha256",
    leafEncoding: "rfc6962-leaf/canonical-json-line",
    keyId: signer.keyId,
  };
  const signature = await signer.sign(canonicalJsonBytes(body), { signingTime: now, onTimestamp });
  return { ...body, signature: signature.toString("base64") };
}

export function verifyTreeHeadSignature(head: SignedTreeHead, expectedCertificateDer?: Buffer): CmsProblem[] {
  return checkTreeHeadSignature(head, expectedCertificateDer).problems;
}

/** The whole CMS check, including what a timestamp token on the tree head proves. */
export function checkTreeHeadSignature(head: SignedTreeHead, expectedCertificateDer?: Buffer, timestamp?: TimestampCheckOptions): CmsVerification {
  const { signature, ...body } = head;
  return verifyCms(Buffer.from(signature, "base64"), { detachedContent: canonicalJsonBytes(body), expectedCertificateDer, timestamp });
}
