// Thin helpers over node-forge's ASN.1 codec (which speaks "binary strings"):
// building blocks for CMS and RFC 3161 structures, and shape checks that say
// which field is wrong when parsing something we did not write ourselves.
import forge from "node-forge";

const { asn1 } = forge;
export type Asn1 = forge.asn1.Asn1;
export const C = asn1.Class;
export const T = asn1.Type;

export const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  tstInfo: "1.2.840.113549.1.9.16.1.4",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  signingCertificate: "1.2.840.113549.1.9.16.2.12",
  signingCertificateV2: "1.2.840.113549.1.9.16.2.47",
  signatureTimeStampToken: "1.2.840.113549.1.9.16.2.14",
  sha1: "1.3.14.3.2.26",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha384: "2.16.840.1.101.3.4.2.2",
  sha512: "2.16.840.1.101.3.4.2.3",
  rsaEncryption: "1.2.840.113549.1.1.1",
  sha256WithRSA: "1.2.840.113549.1.1.11",
  sha384WithRSA: "1.2.840.113549.1.1.12",
  sha512WithRSA: "1.2.840.113549.1.1.13",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  ecdsaWithSha512: "1.2.840.10045.4.3.4",
} as const;

export const DIGEST_BY_OID: Record<string, "sha256" | "sha384" | "sha512"> = {
  [OID.sha256]: "sha256",
  [OID.sha384]: "sha384",
  [OID.sha512]: "sha512",
};

export function toDer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), "binary");
}

/** Strict DER parse: trailing bytes and non-minimal encodings are errors. */
export function fromDer(der: Buffer): Asn1 {
  const node = (asn1.fromDer as unknown as (b: string, o: object) => Asn1)(der.toString("binary"), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
  });
  // forge accepts some BER forms; re-encoding must give the same bytes back.
  if (!toDer(node).equals(der)) throw new Error("not DER: re-encoding differs from the input");
  return node;
}

export const seq = (items: Asn1[]) => asn1.create(C.UNIVERSAL, T.SEQUENCE, true, items);
export const set = (items: Asn1[]) => asn1.create(C.UNIVERSAL, T.SET, true, items);
export const oid = (value: string) => asn1.create(C.UNIVERSAL, T.OID, false, asn1.oidToDer(value).getBytes());
export const nul = () => asn1.create(C.UNIVERSAL, T.NULL, false, "");
export const octets = (b: Buffer) => asn1.create(C.UNIVERSAL, T.OCTETSTRING, false, b.toString("binary"));
export const bool = (v: boolean) => asn1.create(C.UNIVERSAL, T.BOOLEAN, false, v ? "\xff" : "\x00");
export const context = (tag: number, items: Asn1[]) => asn1.create(C.CONTEXT_SPECIFIC, tag, true, items);

/** INTEGER from an unsigned big-endian magnitude. */
export function uint(bytes: Buffer | number): Asn1 {
  if (typeof bytes === "number") return asn1.create(C.UNIVERSAL, T.INTEGER, false, asn1.integerToDer(bytes).getBytes());
  let b = bytes;
  while (b.length > 1 && b[0] === 0 && b[1]! < 0x80) b = b.subarray(1);
  if (b[0]! >= 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return asn1.create(C.UNIVERSAL, T.INTEGER, false, b.toString("binary"));
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 requires. */
export function time(date: Date): Asn1 {
  const y = date.getUTCFullYear();
  return y >= 1950 && y < 2050
    ? asn1.create(C.UNIVERSAL, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(C.UNIVERSAL, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

export function algorithm(oidValue: string, nullParams: boolean): Asn1 {
  return seq(nullParams ? [oid(oidValue), nul()] : [oid(oidValue)]);
}

/** DER SET OF elements must be sorted by their encodings (X.690 11.6). */
export function derSetOf(items: Asn1[]): Asn1 {
  const sorted = items.map((i) => ({ i, d: toDer(i) })).sort((a, b) => Buffer.compare(a.d, b.d));
  return set(sorted.map((x) => x.i));
}

export class Asn1ShapeError extends Error {}

export function expectNode(node: Asn1 | undefined, where: string, tagClass: number, type: number, constructed?: boolean): Asn1 {
  if (!node || node.tagClass !== tagClass || node.type !== type || (constructed !== undefined && node.constructed !== constructed)) {
    throw new Asn1ShapeError(`${where}: unexpected ASN.1 element`);
  }
  return node;
}

export function children(node: Asn1, where: string, min: number, max: number): Asn1[] {
  if (!Array.isArray(node.value) || node.value.length < min || node.value.length > max) {
    throw new Asn1ShapeError(`${where}: expected ${min === max ? min : `${min}–${max}`} elements`);
  }
  return node.value;
}

export function readOid(node: Asn1 | undefined, where: string): string {
  expectNode(node, where, C.UNIVERSAL, T.OID, false);
  return asn1.derToOid(node!.value as string);
}

export function readInt(node: Asn1 | undefined, where: string): number {
  expectNode(node, where, C.UNIVERSAL, T.INTEGER, false);
  const bytes = node!.value as string;
  if (bytes.length > 4) throw new Asn1ShapeError(`${where}: integer too large`);
  return asn1.derToInteger(bytes);
}

export function readBytes(node: Asn1 | undefined, where: string, type: number = T.OCTETSTRING): Buffer {
  expectNode(node, where, C.UNIVERSAL, type, false);
  return Buffer.from(node!.value as string, "binary");
}

export function readTime(node: Asn1 | undefined, where: string): Date {
  if (node?.tagClass === C.UNIVERSAL && node.type === T.UTCTIME) return asn1.utcTimeToDate(node.value as string);
  if (node?.tagClass === C.UNIVERSAL && node.type === T.GENERALIZEDTIME) return asn1.generalizedTimeToDate(node.value as string);
  throw new Asn1ShapeError(`${where}: expected a time`);
}

/** AlgorithmIdentifier whose parameters must be absent or NULL (hashes, RSA, ECDSA). */
export function readAlgorithm(node: Asn1 | undefined, where: string): string {
  expectNode(node, where, C.UNIVERSAL, T.SEQUENCE, true);
  const parts = children(node!, where, 1, 2);
  if (parts[1] && !(parts[1].tagClass === C.UNIVERSAL && parts[1].type === T.NULL && parts[1].value === "")) {
    throw new Asn1ShapeError(`${where}: unexpected algorithm parameters`);
  }
  return readOid(parts[0], `${where}.algorithm`);
}

/** Issuer Name and serialNumber INTEGER of a DER certificate, as ASN.1 nodes. */
export function certificateIssuerAndSerial(certDer: Buffer): { issuer: Asn1; serial: Asn1 } {
  const cert = asn1.fromDer(certDer.toString("binary"));
  const tbs = (cert.value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  const offset = fields[0]!.tagClass === C.CONTEXT_SPECIFIC ? 1 : 0;
  return { serial: fields[offset]!, issuer: fields[offset + 2]! };
}
