// The verifier's result as text a person reads in a terminal or pastes into
// an audit note: verdict first, then each failure with file, check and values.
// Completeness is its own block: the package can be intact (VALID) while the
// survey was not completely recorded.
import type { CompletenessReport } from "./completeness-report";
import { CHECKS, type VerifyResult } from "./verify-package";
import { formatTrustedTime } from "./verify-time-text";
import type { StatementVerification } from "./verify-statement";
import type { IdentityVerification } from "./verify-identity";

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
  if (r.trustedTime) lines.push("", ...formatTrustedTime(r.trustedTime));
  if (r.statement) lines.push("", ...formatStatement(r.statement));
  if (r.identity) lines.push("", ...formatIdentity(r.identity));
  lines.push("", ...formatCompleteness(r.completeness));
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

/** "COMPLETENESS incomplete: …", then each participant × kind with its missing stretches. */
export function formatCompleteness(c: CompletenessReport): string[] {
  const lines = [`COMPLETENESS ${c.summary}`];
  if (c.consentAt) lines.push(`  offsets from the recording consent at ${c.consentAt}; gaps under ${c.toleranceMs / 1000} s are tolerated`);
  for (const i of c.items) {
    const counted = i.gaps.filter((g) => !g.tolerated);
    const tolerated = i.gaps.length - counted.length;
    const state = i.neverRecorded ? "NEVER RECORDED" : counted.length ? "GAPS" : "complete";
    lines.push(`  ${state.padEnd(14)} ${i.role} ${i.name} ${i.kind}: expected ${seconds(i.expectedMs)}, recorded ${seconds(i.coveredMs)}${tolerated ? `, ${tolerated} short gap(s) tolerated` : ""}`);
    for (const g of counted) lines.push(`      missing ${g.fromOffset}–${g.toOffset} (${seconds(g.ms)}, ${g.from} → ${g.to}): ${g.reason}`);
  }
  return lines;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** "STATEMENT signed …": the text's hash against the one signed, the image, each confirmation. */
export function formatStatement(st: StatementVerification): string[] {
  if (!st.present) return ["STATEMENT none signed in this survey"];
  const lines = [`STATEMENT ${st.matches ? "matches the signed hash" : "DOES NOT match the signed hash"}${st.signedAt ? `, signed ${st.signedAt}` : ""}${st.locale ? ` (${st.locale})` : ""}`];
  lines.push(`  text      SHA-256 ${st.statementSha256 ?? "(missing)"}`);
  lines.push(`  signed    SHA-256 ${st.signedStatementSha256 ?? "(no statement.signed event)"}`);
  lines.push(`  signature SHA-256 ${st.imageSha256 ?? "(missing)"}${st.imageMatches ? " (the image the timeline records)" : " (NOT the image the timeline records)"}`);
  for (const c of st.confirmations) lines.push(`  confirmed by the ${c.role} at ${c.at}${c.matches ? "" : " (of ANOTHER text)"}`);
  if (st.confirmations.length === 0) lines.push("  no confirmations");
  return lines;
}

/** "IDENTITY …": what was read from the card, how it compared, the agent's attestation. */
export function formatIdentity(id: IdentityVerification): string[] {
  if (!id.present) return ["IDENTITY no identity check in this survey"];
  const mark = (ok: boolean | null | undefined) => (ok === null || ok === undefined ? "not compared" : ok ? "matches the claim" : "DOES NOT match the claim");
  return [
    `IDENTITY ${id.decision === "confirmed" ? "confirmed by the agent" : id.decision === "not_confirmed" ? "NOT confirmed by the agent" : "not attested"}${id.attestedAt ? ` at ${id.attestedAt}` : ""}${id.reason ? `: ${id.reason}` : ""}`,
    `  name read   ${id.name ?? "(none)"} (${mark(id.nameMatches)})`,
    `  number read ${id.idNumber ?? "(none)"} (check digit ${id.idNumberValid ? "valid" : "WRONG"}; ${mark(id.numberMatches)})`,
    `  card photo  ${id.cardMatches ? "the photo read is in the package" : "the photo read is MISSING or altered"}`,
    `  portrait    ${id.portraitMatches === null ? "none cut" : id.portraitMatches ? "hashes to the timeline's record" : "does NOT hash to the timeline's record"}`,
  ];
}
