// Checks the report's PDF signature without a PDF library: the ByteRange must
// cover every byte of the file except the signature's own hex string, that
// string must hold nothing but the CMS and zero padding, and the CMS must
// verify over exactly the covered bytes.
import { verifyCms, type CmsVerification } from "./signer/cms-verify";
import type { TimestampCheckOptions } from "./signer/timestamp-verify";

export interface PdfSignatureProblem {
  check: "pdf-byterange" | "pdf-signature" | "pdf-content" | "trusted-time";
  message: string;
  expected?: string;
  actual?: string;
}

export interface PdfSignatureResult {
  ok: boolean;
  problems: PdfSignatureProblem[];
  byteRange?: [number, number, number, number];
  signerCertificateDer?: Buffer;
  /** The CMS check, for what its timestamp token says. */
  cms?: CmsVerification;
}

export function verifyPdfSignature(pdf: Buffer, expectedCertificateDer?: Buffer, timestamp?: TimestampCheckOptions): PdfSignatureResult {
  const problems: PdfSignatureProblem[] = [];
  const result: PdfSignatureResult = { ok: false, problems };
  const fail = (p: PdfSignatureProblem) => {
    problems.push(p);
    return result;
  };

  const positions: number[] = [];
  for (let at = pdf.indexOf("/ByteRange"); at !== -1; at = pdf.indexOf("/ByteRange", at + 1)) positions.push(at);
  if (positions.length !== 1) return fail({ check: "pdf-byterange", message: `expected exactly one signature ByteRange, found ${positions.length}` });
  const at = positions[0]!;
  const match = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(pdf.subarray(at, at + 120).toString("latin1"));
  if (!match) return fail({ check: "pdf-byterange", message: "ByteRange cannot be parsed" });
  const [a, b, c, d] = match.slice(1, 5).map(Number) as [number, number, number, number];
  result.byteRange = [a, b, c, d];
  if (a !== 0) return fail({ check: "pdf-byterange", message: "ByteRange does not start at the first byte", expected: "0", actual: String(a) });
  if (!(b > at && c > b + 2 && c + d === pdf.length)) {
    return fail({
      check: "pdf-byterange",
      message: "ByteRange does not cover the whole file except the signature",
      expected: `end ${pdf.length}`,
      actual: `[${a} ${b} ${c} ${d}] ends at ${c + d}`,
    });
  }
  // The excluded gap must be the /Contents value of this very signature dictionary.
  const before = pdf.subarray(at, b).toString("latin1");
  if (!/\/Contents\s*$/.test(before) || pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) {
    return fail({ check: "pdf-byterange", message: "the bytes left out of the ByteRange are not the signature's /Contents" });
  }
  const hex = pdf.subarray(b + 1, c - 1).toString("latin1");
  if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return fail({ check: "pdf-signature", message: "signature /Contents is not lowercase hex" });
  const raw = Buffer.from(hex, "hex");
  const cmsLength = derLength(raw);
  if (cmsLength === undefined || cmsLength > raw.length) return fail({ check: "pdf-signature", message: "signature /Contents does not hold a DER object" });
  if (raw.subarray(cmsLength).some((byte) => byte !== 0)) {
    return fail({ check: "pdf-signature", message: "signature /Contents has non-zero bytes after the CMS (hidden data)" });
  }
  const signed = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const cms = verifyCms(raw.subarray(0, cmsLength), { detachedContent: signed, expectedCertificateDer, timestamp });
  result.signerCertificateDer = cms.signerCertificateDer;
  result.cms = cms;
  const checkFor = { content: "pdf-content", signature: "pdf-signature", timestamp: "trusted-time" } as const;
  for (const p of cms.problems) problems.push({ check: checkFor[p.blame], message: p.message });
  result.ok = problems.length === 0;
  return result;
}

/** Total length of the DER element at the start of `b` (definite lengths only). */
function derLength(b: Buffer): number | undefined {
  if (b.length < 2) return undefined;
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}
