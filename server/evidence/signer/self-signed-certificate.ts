// A local key has no CA behind it, so it certifies itself. Auditors then pin
// the certificate's fingerprint (published by the insurer) rather than a CA.
import { randomBytes } from "node:crypto";
import forge from "node-forge";

export interface CertificateSubject {
  commonName: string;
  organization?: string;
  country?: string;
}

export function createSelfSignedCertificatePem(
  privateKeyPem: string,
  publicKeyPem: string,
  subject: CertificateSubject,
  validityYears: number,
  now = new Date(),
): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // Positive 127-bit serial: random so two local keys never share issuer+serial.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now);
  cert.validity.notAfter.setUTCFullYear(now.getUTCFullYear() + validityYears);
  const attrs: forge.pki.CertificateField[] = [{ name: "commonName", value: subject.commonName }];
  if (subject.organization) attrs.push({ name: "organizationName", value: subject.organization });
  if (subject.country) attrs.push({ name: "countryName", value: subject.country });
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, nonRepudiation: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
