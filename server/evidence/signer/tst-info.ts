// TSTInfo (RFC 3161 2.4.2): what a timestamp token says it proves, namely the
// hash of the stamped bytes and the time the authority saw them.
import { Asn1ShapeError, C, children, DIGEST_BY_OID, expectNode, fromDer, readAlgorithm, readBytes, readInt, readOid, readTime, T } from "./asn1";

export interface TstInfo {
  policy: string;
  digestAlgorithm: "sha256" | "sha384" | "sha512";
  hashedMessage: Buffer;
  serialNumber: Buffer;
  genTime: Date;
  nonce?: Buffer;
}

/** TSTInfo (RFC 3161 2.4.2), the content of a timestamp token. */
export function parseTstInfo(der: Buffer): TstInfo {
  const node = expectNode(fromDer(der), "TSTInfo", C.UNIVERSAL, T.SEQUENCE, true);
  const f = children(node, "TSTInfo", 5, 10);
  if (readInt(f[0], "TSTInfo.version") !== 1) throw new Asn1ShapeError("TSTInfo version must be 1");
  const imprint = children(expectNode(f[2], "TSTInfo.messageImprint", C.UNIVERSAL, T.SEQUENCE, true), "messageImprint", 2, 2);
  const digestAlgorithm = DIGEST_BY_OID[readAlgorithm(imprint[0], "messageImprint.hashAlgorithm")];
  if (!digestAlgorithm) throw new Asn1ShapeError("TSTInfo: unsupported hash algorithm");
  let nonce: Buffer | undefined;
  for (const extra of f.slice(5)) {
    if (extra.tagClass === C.UNIVERSAL && extra.type === T.INTEGER) nonce = readBytes(extra, "TSTInfo.nonce", T.INTEGER);
  }
  return {
    policy: readOid(f[1], "TSTInfo.policy"),
    digestAlgorithm,
    hashedMessage: readBytes(imprint[1], "messageImprint.hashedMessage"),
    serialNumber: readBytes(f[3], "TSTInfo.serialNumber", T.INTEGER),
    genTime: readTime(f[4], "TSTInfo.genTime"),
    nonce,
  };
}
