// What the evidence code signs with. Every signature in a package (manifest,
// event tree head, PDF, tombstones) is a detached CMS SignedData produced
// through this interface, so swapping the key store never touches callers.
import type { KeyBackend } from "./key-backend";
import type { TimestampOutcome } from "./timestamp-client";

export interface SignOptions {
  /**
   * "cades": signed attributes contentType, signingTime, messageDigest,
   * signingCertificateV2. "pades": the same without signingTime, which PAdES
   * forbids (the PDF signature dictionary carries the time in /M instead).
   */
  profile?: "cades" | "pades";
  signingTime?: Date;
  /** Told whether the configured TSA stamped this signature, and why not (never called without a TSA). */
  onTimestamp?: (outcome: TimestampOutcome) => void;
}

export interface Signer {
  readonly keyId: string;
  /** Detached CMS (PKCS#7) SignedData over `data`, DER-encoded. */
  sign(data: Buffer, options?: SignOptions): Promise<Buffer>;
  /** The signing certificate, then its issuers, as concatenated PEM blocks. */
  certificateChainPem(): string;
  readonly backend: KeyBackend;
  /** The RFC 3161 authority every signature asks for a token, if one is configured. */
  readonly timestampAuthority?: string;
}
