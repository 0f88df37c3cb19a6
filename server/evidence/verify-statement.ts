// The verifier's statement check, from the package alone: the text in
// statement/statement.txt must hash to the SHA-256 the driver signed, as the
// signed timeline (events.jsonl under the Merkle tree head) records it in its
// statement.signed event, and as statement.json states; the signature image
// must be the one that event names. Confirmations are read from the timeline.
import { createHash } from "node:crypto";
import { FILES } from "./package-layout";
import { parseEventLines, type EventLine } from "./event-lines";

export interface StatementVerification {
  /** Whether the package holds a signed statement. */
  present: boolean;
  /** SHA-256 of statement.txt as it is in the package. */
  statementSha256?: string;
  /** The hash the driver signed, from the signed timeline. */
  signedStatementSha256?: string;
  /** statement.txt hashes to what the driver signed. */
  matches: boolean;
  imageSha256?: string;
  /** The image is the one the signed timeline names. */
  imageMatches?: boolean;
  signedAt?: string;
  locale?: string;
  confirmations: { role: string; at: string; actorId: string | null; statementSha256: string; matches: boolean }[];
}

export interface StatementProblem {
  path: string;
  message: string;
  expected?: string;
  actual?: string;
}


export function verifyStatement(whole: Map<string, Buffer>, listed: Set<string>, problem: (p: StatementProblem) => void): StatementVerification {
  const events = parseEventLines(whole.get(FILES.events));
  const signedEvents = events.filter((e) => e.type === "statement.signed");
  const signed = signedEvents.at(-1);
  const hasFiles = listed.has(FILES.statementRecord) || listed.has(FILES.statement);
  if (!hasFiles) {
    if (signed) problem({ path: FILES.statement, message: "the timeline records a signed statement, but the package has no statement" });
    return { present: false, matches: false, confirmations: [] };
  }
  const text = whole.get(FILES.statement);
  const image = whole.get(FILES.signatureImage);
  const record = parseRecord(whole.get(FILES.statementRecord));
  for (const f of [FILES.statement, FILES.signatureImage, FILES.signatureStrokes, FILES.statementRecord]) {
    if (!listed.has(f)) problem({ path: f, message: "part of the statement is not listed in the manifest" });
  }
  const statementSha256 = text ? sha256(text) : undefined;
  const imageSha256 = image ? sha256(image) : undefined;
  const payload = signed?.payload ?? {};
  const signedStatementSha256 = typeof payload.statementSha256 === "string" ? payload.statementSha256 : undefined;
  if (!signed) problem({ path: FILES.events, message: "the package holds a statement, but the timeline records no signature of it" });
  if (signedStatementSha256 && statementSha256 !== signedStatementSha256) {
    problem({ path: FILES.statement, message: "the statement text does not hash to the SHA-256 the driver signed", expected: signedStatementSha256, actual: statementSha256 ?? "(missing)" });
  }
  if (record && statementSha256 && record.signedStatementSha256 !== statementSha256) {
    problem({ path: FILES.statementRecord, message: "statement.json names another statement hash than its text file's", expected: statementSha256, actual: String(record.signedStatementSha256) });
  }
  const signedImage = typeof payload.imageSha256 === "string" ? payload.imageSha256 : undefined;
  const imageMatches = Boolean(signedImage && imageSha256 === signedImage);
  if (signedImage && !imageMatches) problem({ path: FILES.signatureImage, message: "the signature image is not the one the timeline records", expected: signedImage, actual: imageSha256 ?? "(missing)" });

  // Confirmations after the signature, of the text as signed.
  const confirmations = events
    .filter((e) => e.type === "statement.confirmed" && typeof e.seq === "number" && typeof signed?.seq === "number" && e.seq > signed.seq)
    .map((e) => {
      const sha = typeof e.payload?.statementSha256 === "string" ? e.payload.statementSha256 : "";
      return { role: String(e.payload?.role ?? ""), at: String(e.at ?? ""), actorId: typeof e.actorId === "string" ? e.actorId : null, statementSha256: sha, matches: sha === statementSha256 };
    });
  return {
    present: true,
    statementSha256,
    signedStatementSha256,
    matches: Boolean(statementSha256 && signedStatementSha256 && statementSha256 === signedStatementSha256),
    imageSha256,
    imageMatches,
    signedAt: typeof payload.signedAt === "string" ? payload.signedAt : undefined,
    locale: typeof payload.locale === "string" ? payload.locale : undefined,
    confirmations,
  };
}


function parseRecord(bytes: Buffer | undefined): { signedStatementSha256?: unknown } | undefined {
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(bytes.toString("utf8")) as unknown;
    return v && typeof v === "object" ? (v as { signedStatementSha256?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
