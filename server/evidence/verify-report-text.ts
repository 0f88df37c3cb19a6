// The verifier's result as text a person reads in a terminal or pastes into
// an audit note: verdict first, then each failure with file, check and values.
import { CHECKS, type VerifyResult } from "./verify-package";

export function formatVerifyResult(r: VerifyResult): string {
  const lines: string[] = [];
  lines.push(r.ok ? `VALID   ${r.location}` : `INVALID ${r.location}`);
  if (r.packageId) lines.push(`  package   ${r.packageId} (${r.kind})`);
  if (r.surveyId) lines.push(`  survey    ${r.surveyId}`);
  if (r.signer) {
    lines.push(`  signer    ${r.signer.subject}`);
    lines.push(`  cert      SHA-256 ${r.signer.certificateSha256}${r.signer.pinned ? " (matches the trusted certificate)" : " (not pinned: compare with the insurer's published fingerprint)"}`);
  }
  if (r.eventLog) lines.push(`  events    ${r.eventLog.treeSize}, Merkle root ${r.eventLog.rootHash}`);
  lines.push(`  files     ${r.filesChecked} checked, ${r.bytesHashed} bytes hashed`);
  lines.push("");
  for (const c of CHECKS) lines.push(`  ${r.checks[c] === "pass" ? "ok  " : r.checks[c] === "fail" ? "FAIL" : "--  "} ${c}`);
  if (r.failures.length) {
    lines.push("", `${r.failures.length} problem(s):`);
    for (const f of r.failures) {
      lines.push(`  ✗ ${f.path || "(package)"} [${f.check}] ${f.message}`);
      if (f.expected !== undefined) lines.push(`      expected ${f.expected}`);
      if (f.actual !== undefined) lines.push(`      actual   ${f.actual}`);
    }
  }
  return lines.join("\n");
}
