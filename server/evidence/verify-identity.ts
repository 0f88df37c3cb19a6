// The verifier's identity check, from the package alone: identity.json's
// reading and attestation must be those of the signed timeline (the last
// identity.read event for that card photo, the last identity.attested event),
// the card photo read must be the photo file of that capture, and the
// portrait file must hash to what the identity.read event recorded.
import { createHash } from "node:crypto";
import { FILES } from "./package-layout";
import { parseEventLines, type EventLine } from "./event-lines";

export interface IdentityVerification {
  present: boolean;
  name?: string | null;
  idNumber?: string | null;
  idNumberValid?: boolean;
  nameMatches?: boolean;
  numberMatches?: boolean | null;
  /** The card photo read is in the package and hashes to the reading's cardSha256. */
  cardMatches?: boolean;
  /** The portrait file hashes to the timeline's portraitSha256 (null: no portrait was cut). */
  portraitMatches?: boolean | null;
  decision?: "confirmed" | "not_confirmed" | null;
  reason?: string;
  attestedAt?: string;
}

export interface IdentityProblem {
  path: string;
  message: string;
  expected?: string;
  actual?: string;
}


interface Record_ {
  shots?: { front?: unknown; back?: unknown; face?: unknown };
  reading?: { captureId?: unknown; cardSha256?: unknown; portraitSha256?: unknown; name?: unknown; idNumber?: unknown; idNumberValid?: unknown; nameMatches?: unknown; numberMatches?: unknown } | null;
  attestation?: { decision?: unknown; reason?: unknown } | null;
}

export function verifyIdentity(
  whole: Map<string, Buffer>,
  files: { path: string; sha256: string; role: string; ref?: string }[],
  problem: (p: IdentityProblem) => void,
): IdentityVerification {
  const events = parseEventLines(whole.get(FILES.events));
  const listed = new Set(files.map((f) => f.path));
  const started = events.some((e) => e.type === "identity.requested");
  if (!listed.has(FILES.identityRecord)) {
    if (started) problem({ path: FILES.identityRecord, message: "the timeline records an identity check, but the package has none" });
    return { present: false };
  }
  const record = parseJson(whole.get(FILES.identityRecord));
  if (!record) {
    problem({ path: FILES.identityRecord, message: "identity.json cannot be read" });
    return { present: true };
  }
  const out: IdentityVerification = { present: true };
  const reading = record.reading ?? null;
  if (reading) {
    const readEvent = events.filter((e) => e.type === "identity.read" && e.payload?.captureId === reading.captureId).at(-1);
    if (!readEvent) problem({ path: FILES.identityRecord, message: "the timeline records no reading of the card photo identity.json names" });
    for (const key of ["cardSha256", "name", "idNumber", "idNumberValid", "nameMatches", "numberMatches", "portraitSha256"] as const) {
      if (readEvent && JSON.stringify(readEvent.payload?.[key] ?? null) !== JSON.stringify(reading[key] ?? null)) {
        problem({ path: FILES.identityRecord, message: `identity.json's ${key} is not what the timeline recorded`, expected: JSON.stringify(readEvent.payload?.[key] ?? null), actual: JSON.stringify(reading[key] ?? null) });
      }
    }
    const photo = files.find((f) => f.role === "photo" && f.ref === reading.captureId);
    out.cardMatches = Boolean(photo && photo.sha256 === reading.cardSha256);
    if (!out.cardMatches) problem({ path: photo?.path ?? FILES.identityRecord, message: "the card photo read is not in the package with the hash the reading names", expected: String(reading.cardSha256), actual: photo?.sha256 ?? "(missing)" });
    const portrait = whole.get(FILES.identityPortrait);
    if (typeof reading.portraitSha256 === "string") {
      const actual = portrait ? sha256(portrait) : undefined;
      out.portraitMatches = actual === reading.portraitSha256;
      if (!out.portraitMatches) problem({ path: FILES.identityPortrait, message: "the portrait is not the one the reading recorded", expected: reading.portraitSha256, actual: actual ?? "(missing)" });
    } else out.portraitMatches = null;
    out.name = typeof reading.name === "string" ? reading.name : null;
    out.idNumber = typeof reading.idNumber === "string" ? reading.idNumber : null;
    out.idNumberValid = reading.idNumberValid === true;
    out.nameMatches = reading.nameMatches === true;
    out.numberMatches = typeof reading.numberMatches === "boolean" ? reading.numberMatches : null;
  }
  const attested = events.filter((e) => e.type === "identity.attested").at(-1);
  const a = record.attestation ?? null;
  if (attested && (!a || a.decision !== attested.payload?.decision || a.reason !== attested.payload?.reason)) {
    problem({ path: FILES.identityRecord, message: "identity.json's attestation is not the last one the timeline records", expected: String(attested.payload?.decision), actual: String(a?.decision ?? "(none)") });
  }
  if (a && !attested) problem({ path: FILES.identityRecord, message: "identity.json holds an attestation the timeline does not record" });
  out.decision = a && (a.decision === "confirmed" || a.decision === "not_confirmed") ? a.decision : null;
  if (a && typeof a.reason === "string") out.reason = a.reason;
  if (attested && typeof attested.at === "string") out.attestedAt = attested.at;
  return out;
}


function parseJson(bytes: Buffer | undefined): Record_ | undefined {
  if (!bytes) return undefined;
  try {
    const v = JSON.parse(bytes.toString("utf8")) as unknown;
    return v && typeof v === "object" ? (v as Record_) : undefined;
  } catch {
    return undefined;
  }
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
