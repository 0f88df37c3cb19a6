// Detached CMS SignedData (RFC 5652), built here rather than with
// forge.pkcs7 because forge signs synchronously with in-memory RSA keys only,
// while an HSM/KMS signs asynchronously and may hold an EC key.
import { createHash } from "node:crypto";
import type { KeyBackend } from "./key-backend";
import {
  algorithm,
  type Asn1,
  certificateIssuerAndSerial,
  context,
  derSetOf,
  fromDer,
  octets,
  OID,
  oid,
  seq,
  set,
  time,
  toDer,
  uint,
} from "./asn1";
import type { SignOptions } from "./signer";
import type { Timestamper } from "./timestamp-client";

export interface CmsSignOptions extends SignOptions {
  /** Asks a TSA for an RFC 3161 token over the signature value; never throws (a failure means no token). */
  timestamp?: Timestamper;
}

export async function signDetachedCms(backend: KeyBackend, data: Buffer, options: CmsSignOptions = {}): Promise<Buffer> {
  const chain = backend.certificateChainDer();
  const signerCert = chain[0];
  if (!signerCert) throw new Error(`key ${backend.keyId} has no certificate`);
  const { issuer, serial } = certificateIssuerAndSerial(signerCert);
  const sha256 = algorithm(OID.sha256, true);

  const attributes: Asn1[] = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.messageDigest, octets(createHash("sha256").update(data).digest())),
    attribute(OID.signingCertificateV2, essCertIdV2(signerCert, issuer, serial)),
  ];
  if ((options.profile ?? "cades") === "cades") attributes.push(attribute(OID.signingTime, time(options.signingTime ?? new Date())));
  const signedAttrsSet = derSetOf(attributes);
  // The signature covers the attributes encoded as a universal SET; in the
  // SignerInfo the same bytes appear under an implicit [0] tag.
  const signature = await backend.signRaw(toDer(signedAttrsSet));
  const signedAttrs = context(0, signedAttrsSet.value as Asn1[]);

  const signerInfoParts: Asn1[] = [
    uint(1),
    seq([issuer, serial]),
    sha256,
    signedAttrs,
    backend.algorithm === "ecdsa-sha256" ? algorithm(OID.ecdsaWithSha256, false) : algorithm(OID.rsaEncryption, true),
    octets(signature),
  ];
  if (options.timestamp) {
    const { token, outcome } = await options.timestamp(signature);
    if (token) signerInfoParts.push(context(1, [attribute(OID.signatureTimeStampToken, fromDer(token))]));
    options.onTimestamp?.(outcome);
  }

  const signedData = seq([
    uint(1),
    set([sha256]),
    seq([oid(OID.data)]),
    context(0, chain.map((c) => fromDer(c))),
    set([seq(signerInfoParts)]),
  ]);
  return toDer(seq([oid(OID.signedData), context(0, [signedData])]));
}

function attribute(type: string, value: Asn1): Asn1 {
  return seq([oid(type), set([value])]);
}

// ESS signing-certificate-v2 binds the signature to this exact certificate,
// so a different certificate with the same key cannot be substituted.
function essCertIdV2(certDer: Buffer, issuer: Asn1, serial: Asn1): Asn1 {
  const certHash = createHash("sha256").update(certDer).digest();
  const issuerSerial = seq([seq([context(4, [issuer])]), serial]);
  return seq([seq([seq([octets(certHash), issuerSerial])])]);
}
