// Verifies CMS SignedData offline with node:crypto (node-forge cannot verify
// PKCS#7). Strict on purpose: every byte of a signature file is either covered
// by the signature, compared against the pinned certificate, or checked to be
// the one value we write, so flipping any byte of it is reported.
import { createHash, verify as verifySignature, X509Certificate } from "node:crypto";
import {
  type Asn1,
  Asn1ShapeError,
  C,
  certificateIssuerAndSerial,
  children,
  DIGEST_BY_OID,
  expectNode,
  fromDer,
  OID,
  readAlgorithm,
  readBytes,
  readInt,
  readOid,
  readTime,
  T,
  toDer,
} from "./asn1";
import { checkTimestampToken, type TimestampCheckOptions, type TimestampInfo } from "./timestamp-verify";

export type { TimestampInfo } from "./timestamp-verify";

export interface CmsProblem {
  /**
   * "signature": the signature file itself is damaged or untrusted; "content": the signed data changed;
   * "timestamp": the RFC 3161 token on the signature is damaged, for something else, or not trusted.
   */
  blame: "signature" | "content" | "timestamp";
  message: string;
}

export interface CmsVerification {
  ok: boolean;
  problems: CmsProblem[];
  signerCertificateDer?: Buffer;
  signingTime?: Date;
  /** Every certificate the SignedData carries (a timestamp token's chain is built from them). */
  certificatesDer?: Buffer[];
  /** Whether an ESS signing-certificate(-v2) attribute names the signer (checked when present). */
  signingCertificateAttribute?: boolean;
  /** The signature carries an RFC 3161 token (even one that fails its checks). */
  hasTimestampToken?: boolean;
  /** What the token says, once it could be parsed; `problems` says whether it holds. */
  timestamp?: TimestampInfo;
  /** Encapsulated content (attached signatures such as RFC 3161 tokens). */
  encapsulatedContent?: Buffer;
  encapsulatedContentType?: string;
}

export interface CmsVerifyOptions {
  /** The signed bytes, for detached signatures. */
  detachedContent?: Buffer;
  /** Fail unless the signer's certificate is exactly this one. */
  expectedCertificateDer?: Buffer;
  /** How to judge an RFC 3161 token on the signature (trusted TSA certificates, recorded nonce). */
  timestamp?: TimestampCheckOptions;
}

const SIGNATURE_ALGORITHMS: Record<string, { key: "rsa" | "ec"; digest?: string }> = {
  [OID.rsaEncryption]: { key: "rsa" },
  [OID.sha256WithRSA]: { key: "rsa", digest: "sha256" },
  [OID.sha384WithRSA]: { key: "rsa", digest: "sha384" },
  [OID.sha512WithRSA]: { key: "rsa", digest: "sha512" },
  [OID.ecdsaWithSha256]: { key: "ec", digest: "sha256" },
  [OID.ecdsaWithSha384]: { key: "ec", digest: "sha384" },
  [OID.ecdsaWithSha512]: { key: "ec", digest: "sha512" },
};

export function verifyCms(cms: Buffer, options: CmsVerifyOptions = {}): CmsVerification {
  const problems: CmsProblem[] = [];
  const result: CmsVerification = { ok: false, problems };
  const bad = (message: string) => problems.push({ blame: "signature", message });
  try {
    verifyStructure(cms, options, result);
  } catch (err) {
    // Any parse failure means the signature file is not what we wrote.
    bad(`cannot parse signature: ${(err as Error).message}`);
  }
  result.ok = problems.length === 0;
  return result;
}

function verifyStructure(cms: Buffer, options: CmsVerifyOptions, result: CmsVerification): void {
  const bad = (message: string) => result.problems.push({ blame: "signature", message });
  const root = expectNode(fromDer(cms), "ContentInfo", C.UNIVERSAL, T.SEQUENCE, true);
  const [contentType, wrapped] = children(root, "ContentInfo", 2, 2);
  if (readOid(contentType, "ContentInfo.contentType") !== OID.signedData) throw new Asn1ShapeError("not a CMS SignedData");
  expectNode(wrapped, "ContentInfo.content", C.CONTEXT_SPECIFIC, 0, true);
  const signedData = expectNode(children(wrapped!, "ContentInfo.content", 1, 1)[0], "SignedData", C.UNIVERSAL, T.SEQUENCE, true);
  const sd = children(signedData, "SignedData", 4, 6);

  const version = readInt(sd[0], "SignedData.version");
  const digestAlgorithms = children(expectNode(sd[1], "SignedData.digestAlgorithms", C.UNIVERSAL, T.SET, true), "SignedData.digestAlgorithms", 1, 1);
  const digestAlgorithmsOid = readAlgorithm(digestAlgorithms[0], "SignedData.digestAlgorithms[0]");
  const encap = children(expectNode(sd[2], "encapContentInfo", C.UNIVERSAL, T.SEQUENCE, true), "encapContentInfo", 1, 2);
  const eContentType = readOid(encap[0], "encapContentInfo.eContentType");
  result.encapsulatedContentType = eContentType;
  if (version !== (eContentType === OID.data ? 1 : 3)) bad(`SignedData version ${version} is not the one RFC 5652 requires here`);
  let content = options.detachedContent;
  if (encap[1]) {
    if (content) bad("signature was expected to be detached but carries its content");
    const explicit = expectNode(encap[1], "encapContentInfo.eContent", C.CONTEXT_SPECIFIC, 0, true);
    content = readBytes(children(explicit, "encapContentInfo.eContent", 1, 1)[0], "encapContentInfo.eContent");
    result.encapsulatedContent = content;
  }
  if (!content) throw new Asn1ShapeError("detached signature given without the signed content");

  let i = 3;
  const certificates: Buffer[] = [];
  if (sd[i]?.tagClass === C.CONTEXT_SPECIFIC && sd[i]!.type === 0) {
    for (const c of sd[i]!.value as Asn1[]) certificates.push(toDer(c));
    i++;
  }
  result.certificatesDer = certificates;
  if (sd[i]?.tagClass === C.CONTEXT_SPECIFIC && sd[i]!.type === 1) bad("unexpected CRLs in signature");
  const signerInfos = children(expectNode(sd[sd.length - 1], "SignedData.signerInfos", C.UNIVERSAL, T.SET, true), "signerInfos", 1, 1);
  const si = children(expectNode(signerInfos[0], "SignerInfo", C.UNIVERSAL, T.SEQUENCE, true), "SignerInfo", 6, 7);

  if (readInt(si[0], "SignerInfo.version") !== 1) bad("SignerInfo version must be 1 (issuerAndSerialNumber)");
  const sid = children(expectNode(si[1], "SignerInfo.sid", C.UNIVERSAL, T.SEQUENCE, true), "SignerInfo.sid", 2, 2);
  const sidDer = Buffer.concat(sid.map(toDer));
  const signerCertDer = certificates.find((c) => {
    const { issuer, serial } = certificateIssuerAndSerial(c);
    return Buffer.concat([toDer(issuer), toDer(serial)]).equals(sidDer);
  });
  if (!signerCertDer) throw new Asn1ShapeError("the signer's certificate is not in the signature");
  result.signerCertificateDer = signerCertDer;
  const cert = new X509Certificate(signerCertDer);
  if (options.expectedCertificateDer && !options.expectedCertificateDer.equals(signerCertDer)) {
    bad(`signed by ${cert.subject.replace(/\n/g, ", ")} (SHA-256 ${cert.fingerprint256}), not by the expected certificate`);
  }

  const digestOid = readAlgorithm(si[2], "SignerInfo.digestAlgorithm");
  const digest = DIGEST_BY_OID[digestOid];
  if (!digest) throw new Asn1ShapeError(`unsupported digest algorithm ${digestOid}`);
  if (digestAlgorithmsOid !== digestOid) bad("SignedData.digestAlgorithms does not match the signer's digest algorithm");

  const signedAttrsNode = expectNode(si[3], "SignerInfo.signedAttrs", C.CONTEXT_SPECIFIC, 0, true);
  const attrs = readAttributes(signedAttrsNode, "signedAttrs");
  const sigAlgOid = readAlgorithm(si[4], "SignerInfo.signatureAlgorithm");
  const sigAlg = SIGNATURE_ALGORITHMS[sigAlgOid];
  if (!sigAlg) throw new Asn1ShapeError(`unsupported signature algorithm ${sigAlgOid}`);
  if (sigAlg.digest && sigAlg.digest !== digest) bad("signature algorithm and digest algorithm disagree");
  if (cert.publicKey.asymmetricKeyType !== sigAlg.key) bad(`signature algorithm does not fit the certificate's ${cert.publicKey.asymmetricKeyType} key`);
  const signatureValue = readBytes(si[5], "SignerInfo.signature");

  // Re-tag [0] IMPLICIT as a universal SET: that is what was signed (RFC 5652 5.4).
  const signedAttrsDer = toDer(signedAttrsNode);
  signedAttrsDer[0] = 0x31;
  const signatureOk = verifySignature(digest, signedAttrsDer, cert.publicKey, signatureValue);
  if (!signatureOk) bad("the signature does not verify with the signer's certificate");

  const ct = attrs.get(OID.contentType);
  if (!ct || readOid(ct, "contentType attribute") !== eContentType) bad("contentType attribute missing or different from the content");
  const md = attrs.get(OID.messageDigest);
  if (!md) bad("messageDigest attribute missing");
  const signingTimeNode = attrs.get(OID.signingTime);
  if (signingTimeNode) {
    result.signingTime = readTime(signingTimeNode, "signingTime attribute");
    const t = result.signingTime.getTime();
    if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) bad(`signed at ${result.signingTime.toISOString()}, outside the certificate's validity`);
  }
  result.signingCertificateAttribute = checkSigningCertificate(attrs, signerCertDer, bad);
  if (si[6]) verifyUnsignedAttributes(si[6], signatureValue, options.timestamp ?? {}, result, bad);

  // Only blame the content when the signature file itself is sound: otherwise
  // a damaged messageDigest attribute would be reported as changed content.
  if (md && signatureOk) {
    const expected = readBytes(md, "messageDigest attribute");
    const actual = createHash(digest).update(content).digest();
    if (!expected.equals(actual)) {
      result.problems.push({
        blame: "content",
        message: `signed content changed: ${digest} ${actual.toString("hex")} ≠ signed ${expected.toString("hex")}`,
      });
    }
  }
}

function readAttributes(node: Asn1, where: string): Map<string, Asn1> {
  const map = new Map<string, Asn1>();
  for (const attr of node.value as Asn1[]) {
    const [type, values] = children(expectNode(attr, where, C.UNIVERSAL, T.SEQUENCE, true), where, 2, 2);
    const typeOid = readOid(type, `${where}.type`);
    if (map.has(typeOid)) throw new Asn1ShapeError(`${where}: attribute ${typeOid} appears twice`);
    const value = children(expectNode(values, `${where}.values`, C.UNIVERSAL, T.SET, true), `${where}.values`, 1, 1)[0]!;
    map.set(typeOid, value);
  }
  return map;
}

function checkSigningCertificate(attrs: Map<string, Asn1>, certDer: Buffer, bad: (m: string) => void): boolean {
  let found = false;
  for (const [attrOid, hash] of [
    [OID.signingCertificateV2, "sha256"],
    [OID.signingCertificate, "sha1"],
  ] as const) {
    const node = attrs.get(attrOid);
    if (!node) continue;
    found = true;
    const certs = children(expectNode(node, "signingCertificate", C.UNIVERSAL, T.SEQUENCE, true), "signingCertificate", 1, 2)[0]!;
    const first = children(expectNode(certs, "signingCertificate.certs", C.UNIVERSAL, T.SEQUENCE, true), "signingCertificate.certs", 1, 99)[0]!;
    const parts = children(expectNode(first, "ESSCertID", C.UNIVERSAL, T.SEQUENCE, true), "ESSCertID", 1, 3);
    // ESSCertIDv2 may name its hash algorithm first; SHA-256 is the default.
    let algo: string = hash;
    let k = 0;
    if (parts[0]!.type === T.SEQUENCE) {
      const named = DIGEST_BY_OID[readAlgorithm(parts[0], "ESSCertIDv2.hashAlgorithm")];
      if (!named) throw new Asn1ShapeError("ESSCertIDv2: unsupported hash algorithm");
      algo = named;
      k = 1;
    }
    const certHash = readBytes(parts[k], "ESSCertID.certHash");
    if (!createHash(algo).update(certDer).digest().equals(certHash)) bad("signing-certificate attribute names a different certificate");
  }
  return found;
}

function verifyUnsignedAttributes(
  node: Asn1,
  signatureValue: Buffer,
  options: TimestampCheckOptions,
  result: CmsVerification,
  bad: (m: string) => void,
): void {
  expectNode(node, "SignerInfo.unsignedAttrs", C.CONTEXT_SPECIFIC, 1, true);
  const attrs = readAttributes(node, "unsignedAttrs");
  for (const key of attrs.keys()) if (key !== OID.signatureTimeStampToken) bad(`unexpected unsigned attribute ${key}`);
  const token = attrs.get(OID.signatureTimeStampToken);
  if (!token) return;
  result.hasTimestampToken = true;
  // The token is outside what our signature covers: its own checks decide it,
  // and a token too damaged to read is the token's fault, not the signature's.
  try {
    const check = checkTimestampToken(verifyCms(toDer(token)), signatureValue, options);
    result.timestamp = check.info;
    for (const message of check.problems) result.problems.push({ blame: "timestamp", message });
  } catch (err) {
    result.problems.push({ blame: "timestamp", message: `timestamp token cannot be read: ${(err as Error).message}` });
  }
}
