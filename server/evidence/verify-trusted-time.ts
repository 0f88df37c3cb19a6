// The verifier's account of trusted time: for each signature that can carry an
// RFC 3161 token (manifest, event log tree head, PDF), whether a token is there,
// what time it states, and whether that time is proven (the token holds and its
// TSA chains to a certificate the auditor trusts, given with --tsa-trust).
// Token damage is reported where the CMS check found it; this adds what only
// the package as a whole can tell: a token the signed manifest says was obtained
// but that is gone, and, when the auditor asked for trusted time, a signature
// whose time nothing but the server vouches for.
import type { CmsVerification } from "./signer/cms-verify";
import type { TimestampCheckOptions } from "./signer/timestamp-verify";
import type { StampedSignature, TrustedTimeRecord } from "./trusted-time";

export interface TokenReport {
  file: StampedSignature;
  /** proven: holds and chains to --tsa-trust; unverified: holds, no --tsa-trust given; invalid: fails a check; absent: no token. */
  status: "proven" | "unverified" | "invalid" | "absent";
  genTime?: string;
  tsa?: string;
  serialNumber?: string;
  /** For an absent token: why, as the package recorded it. */
  reason?: string;
}

export interface TrustedTimeResult {
  /** Subjects of the trusted TSA certificates (--tsa-trust); absent: none given. */
  trustedTsa?: string[];
  tokens: TokenReport[];
  /** No signature carries a token: every time in the package is the server's own. */
  serverTimeOnly: boolean;
  /** The TSA the package says it asked; null: none configured; undefined: the package predates the record. */
  authority?: string | null;
}

export interface TrustedTimeFailure {
  path: StampedSignature;
  message: string;
}

/** Options for verifyCms on one signature: the trusted TSAs and the nonce the manifest recorded for it. */
export function timestampCheckOptions(file: StampedSignature, record: TrustedTimeRecord | undefined, trustedTsaDer: Buffer[] | undefined): TimestampCheckOptions {
  const outcome = file === "event-tree-head.json" ? record?.eventTreeHead : file === "report.pdf" ? record?.report : undefined;
  return {
    ...(trustedTsaDer ? { trustedCertificatesDer: trustedTsaDer } : {}),
    ...(outcome?.status === "stamped" ? { expectedNonce: Buffer.from(outcome.nonce, "hex") } : {}),
  };
}

export function assessTrustedTime(
  signatures: Partial<Record<StampedSignature, CmsVerification>>,
  record: TrustedTimeRecord | undefined,
  trustedTsa: { subjects: string[] } | undefined,
  fail: (f: TrustedTimeFailure) => void,
): TrustedTimeResult {
  const tokens: TokenReport[] = [];
  for (const [file, v] of Object.entries(signatures) as [StampedSignature, CmsVerification | undefined][]) {
    if (!v) continue;
    const recorded = file === "event-tree-head.json" ? record?.eventTreeHead : file === "report.pdf" ? record?.report : undefined;
    if (!v.hasTimestampToken) {
      const reason = recorded?.status === "failed" ? recorded.reason : record?.authority === null ? "no time-stamping authority configured" : undefined;
      tokens.push({ file, status: "absent", ...(reason ? { reason } : {}) });
      if (recorded?.status === "stamped") fail({ path: file, message: "the signed manifest records a timestamp token for this signature, but the token is missing (removed?)" });
      else if (trustedTsa) fail({ path: file, message: `no RFC 3161 timestamp${reason ? ` (${reason})` : ""}: this signature's time is the server's own` });
      continue;
    }
    const broken = v.problems.some((p) => p.blame === "timestamp");
    const info = v.timestamp;
    tokens.push({
      file,
      status: broken ? "invalid" : trustedTsa ? "proven" : "unverified",
      ...(info ? { genTime: info.genTime.toISOString(), tsa: info.tsaCertificateSubject, serialNumber: info.serialNumber } : {}),
    });
  }
  return {
    ...(trustedTsa ? { trustedTsa: trustedTsa.subjects } : {}),
    tokens,
    serverTimeOnly: tokens.every((t) => t.status === "absent"),
    ...(record ? { authority: record.authority } : {}),
  };
}
