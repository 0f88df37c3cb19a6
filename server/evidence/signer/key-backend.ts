// The one seam between "how evidence is signed" (CMS, PDF, tree heads) and
// "where the private key lives". The local backend keeps a key file on disk;
// an HSM or cloud KMS backend implements this same interface:
//
//   - PKCS#11 HSM: sign `data` with CKM_SHA256_RSA_PKCS or CKM_ECDSA over
//     SHA-256(data) (e.g. through the `pkcs11js` or `graphene-pk11` package),
//     return the certificate(s) stored next to the key object.
//   - AWS KMS / GCP KMS / Azure Key Vault: call Sign with
//     RSASSA_PKCS1_V1_5_SHA_256 or ECDSA_SHA_256 on SHA-256(data), and return
//     the certificate the key was issued (by the insurer's CA) as the chain.
//
// ECDSA signatures must be returned DER-encoded (what X.509/CMS expect).
// Register a new backend in create-signer.ts.

export type SignatureAlgorithm = "rsa-pkcs1-sha256" | "ecdsa-sha256";

export interface KeyBackend {
  /** Stable identifier of the key: "sha256:" + hex SHA-256 of its SubjectPublicKeyInfo. */
  readonly keyId: string;
  readonly algorithm: SignatureAlgorithm;
  /** DER certificates, the signing certificate first, then its issuers (if any). */
  certificateChainDer(): Buffer[];
  /** Raw signature over `data` (the hash is computed by the backend or its device). */
  signRaw(data: Buffer): Promise<Buffer>;
}
