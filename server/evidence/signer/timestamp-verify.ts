// Checks an RFC 3161 timestamp token found on a signature, offline: the token
// is a sound CMS signature over a TSTInfo, its message imprint is the hash of
// the signature value it sits on, it names its signing certificate (ESS), that
// certificate is a time-stamping certificate (critical extendedKeyUsage
// timeStamping, valid at the time stamped), the nonce is the one the package
// recorded, and, when the auditor gives trusted TSA certificates, the signer
// chains to one of them. Only then does the token *prove* its time.
import { createHash, X509Certificate } from "node:crypto";
import forge from "node-forge";
import type { CmsVerification } from "./cms-verify";
import { OID } from "./asn1";
import { parseTstInfo, type TstInfo } from "./tst-info";
import { stripLeadingZerosOf } from "./unsigned-bytes";

const ID_KP_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
const EXTENDED_KEY_USAGE = "2.5.29.37";
const MAX_CHAIN = 8;

export interface TimestampCheckOptions {
  /** DER certificates trusted for time stamping: a TSA's own certificate or a CA above it. */
  trustedCertificatesDer?: Buffer[];
  /** The nonce recorded in the package when the token was obtained, if any. */
  expectedNonce?: Buffer;
}

export interface TimestampInfo {
  /** The time the authority vouches for. */
  genTime: Date;
  tsaCertificateSubject: string;
  tsaCertificateSha256?: string;
  digestAlgorithm: string;
  /** Hex serial number of the token, unique per authority. */
  serialNumber: string;
  policy: string;
  nonce?: string;
  /** true: the TSA chains to a trusted certificate; false: it does not; undefined: no trusted certificate was given. */
  trusted?: boolean;
}

export interface TimestampCheck {
  info?: TimestampInfo;
  problems: string[];
}

/** `inner` is verifyCms() of the token; `stampedValue` the bytes the token must be over (the signature value). */
export function checkTimestampToken(inner: CmsVerification, stampedValue: Buffer, options: TimestampCheckOptions = {}): TimestampCheck {
  const problems = inner.problems.map((p) => `timestamp token: ${p.message}`);
  if (inner.encapsulatedContentType !== OID.tstInfo || !inner.encapsulatedContent) {
    problems.push("timestamp token does not carry a TSTInfo");
    return { problems };
  }
  let tst: TstInfo;
  try {
    tst = parseTstInfo(inner.encapsulatedContent);
  } catch (err) {
    problems.push(`timestamp token: cannot parse TSTInfo: ${(err as Error).message}`);
    return { problems };
  }
  const certDer = inner.signerCertificateDer;
  const cert = certDer ? new X509Certificate(certDer) : undefined;
  const info: TimestampInfo = {
    genTime: tst.genTime,
    tsaCertificateSubject: cert ? oneLine(cert.subject) : "?",
    tsaCertificateSha256: certDer ? createHash("sha256").update(certDer).digest("hex") : undefined,
    digestAlgorithm: tst.digestAlgorithm,
    serialNumber: stripLeadingZerosOf(tst.serialNumber).toString("hex"),
    policy: tst.policy,
    nonce: tst.nonce ? stripLeadingZerosOf(tst.nonce).toString("hex") : undefined,
  };

  const actual = createHash(tst.digestAlgorithm).update(stampedValue).digest();
  if (!actual.equals(tst.hashedMessage)) problems.push("timestamp token is for a different signature value (message imprint differs)");
  if (!inner.signingCertificateAttribute) problems.push("timestamp token does not name its signing certificate (ESS signing-certificate attribute missing)");
  if (options.expectedNonce && info.nonce !== stripLeadingZerosOf(options.expectedNonce).toString("hex")) {
    problems.push(`timestamp token nonce ${info.nonce ?? "(none)"} is not the one recorded when it was obtained (${options.expectedNonce.toString("hex")})`);
  }
  if (cert && certDer) {
    const eku = extendedKeyUsage(certDer);
    if (!eku || eku.purposes.length !== 1 || eku.purposes[0] !== ID_KP_TIME_STAMPING || !eku.critical) {
      problems.push(`the token's signer ${info.tsaCertificateSubject} is not a time-stamping certificate (needs a critical extendedKeyUsage of timeStamping only)`);
    }
    if (!validAt(cert, tst.genTime)) problems.push(`the TSA certificate was not valid at the time stamped (${tst.genTime.toISOString()})`);
    if (options.trustedCertificatesDer) {
      const chainProblem = chainToTrusted(cert, inner.certificatesDer ?? [], options.trustedCertificatesDer, tst.genTime);
      info.trusted = chainProblem === undefined;
      if (chainProblem) problems.push(chainProblem);
    }
  }
  return { info, problems };
}

/**
 * Walks issuer links from the TSA certificate through the certificates the
 * token carries until a trusted certificate is reached. Each link is a real
 * signature check, and every certificate on the way must be valid at the time
 * stamped (a TSA certificate that has since expired still proves its past tokens).
 */
function chainToTrusted(leaf: X509Certificate, carried: Buffer[], trustedDer: Buffer[], at: Date): string | undefined {
  const trusted = trustedDer.map((d) => new X509Certificate(d));
  const pool = carried.map((d) => new X509Certificate(d));
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    if (trusted.some((t) => t.raw.equals(current.raw))) return undefined;
    const anchor = trusted.find((t) => t.ca && current.checkIssued(t) && current.verify(t.publicKey));
    if (anchor) return validAt(anchor, at) ? undefined : `the trusted certificate ${oneLine(anchor.subject)} was not valid at the time stamped`;
    const next = pool.find((c) => !c.raw.equals(current.raw) && c.ca && current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) break;
    if (!validAt(next, at)) return `the TSA's issuing certificate ${oneLine(next.subject)} was not valid at the time stamped`;
    current = next;
  }
  return `the TSA certificate ${oneLine(leaf.subject)} (issued by ${oneLine(leaf.issuer)}) does not chain to a trusted TSA certificate (${trusted.map((t) => oneLine(t.subject)).join("; ")})`;
}

function validAt(cert: X509Certificate, at: Date): boolean {
  const t = at.getTime();
  return t >= Date.parse(cert.validFrom) && t <= Date.parse(cert.validTo);
}

/** The extendedKeyUsage extension's purposes and criticality (node:crypto exposes the purposes but not the flag). */
function extendedKeyUsage(certDer: Buffer): { critical: boolean; purposes: string[] } | undefined {
  const { asn1 } = forge;
  const cert = asn1.fromDer(certDer.toString("binary"));
  const tbs = (cert.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const extensions = tbs.find((n) => n.tagClass === asn1.Class.CONTEXT_SPECIFIC && n.type === 3);
  if (!extensions) return undefined;
  for (const ext of ((extensions.value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[])) {
    const parts = ext.value as forge.asn1.Asn1[];
    if (asn1.derToOid(parts[0]!.value as string) !== EXTENDED_KEY_USAGE) continue;
    const critical = parts.length === 3 && parts[1]!.type === asn1.Type.BOOLEAN && parts[1]!.value !== "\x00";
    const value = asn1.fromDer(parts[parts.length - 1]!.value as string);
    return { critical, purposes: (value.value as forge.asn1.Asn1[]).map((p) => asn1.derToOid(p.value as string)) };
  }
  return undefined;
}

const oneLine = (name: string) => name.replace(/\n/g, ", ");
