// The report's identity section: the card front as photographed, the portrait
// cut from it and the live face, each with its file and SHA-256, beside what
// the OCR read, how it compared with the claim, and the agent's attestation.
import sharp from "sharp";
import type { PDFDocument, PDFImage } from "pdf-lib";
import type { IdentityStep } from "./package-input";
import type { PdfFlow } from "./pdf-flow-layout";
import type { StoredFile } from "./report-pdf";
import type { reportStrings } from "./report-strings";

export const IDENTITY_FORMAT = "claims-survey-identity/1";

/** identity/identity.json: the step as the package holds it. */
export interface IdentityRecord {
  format: string;
  surveyId: string;
  shots: IdentityStep["shots"];
  reading: IdentityStep["reading"];
  portrait: StoredFile | null;
  attestation: IdentityStep["attestation"];
}

export interface ReportIdentity {
  record: IdentityRecord;
  portraitBytes: Buffer | null;
}

async function jpeg(doc: PDFDocument, bytes: Buffer | undefined | null): Promise<PDFImage | null> {
  if (!bytes) return null;
  try {
    return await doc.embedJpg(await sharp(bytes).rotate().resize(480, 480, { fit: "inside", withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer());
  } catch {
    return null;
  }
}

export async function writeIdentitySection(
  doc: PDFDocument,
  flow: PdfFlow,
  s: ReturnType<typeof reportStrings>,
  identity: ReportIdentity | undefined,
  files: { captureFiles: Record<string, StoredFile>; thumbnails: Record<string, Buffer> },
  fmt: { when: (iso: string) => string; who: (id: string | null | undefined) => string },
) {
  flow.heading(s.sectionIdentity);
  if (!identity) return flow.paragraph(s.noIdentity);
  const { shots, reading, attestation, portrait } = identity.record;
  const path = (id: string | null) => (id && files.captureFiles[id] ? files.captureFiles[id]!.path : s.identityNoPhoto);
  const hash = (id: string | null) => (id && files.captureFiles[id] ? files.captureFiles[id]!.sha256 : "—");
  const mark = (ok: boolean | null) => (ok === null ? s.identityNotCompared : ok ? s.identityMatches : s.identityMismatch);
  flow.figure(await jpeg(doc, shots.front ? files.thumbnails[shots.front] : null), s.identityNoPhoto, 170, [
    [s.identityCardFront, path(shots.front)],
    [s.identityNameRead, reading ? `${reading.name ?? s.identityNotRead} — ${s.identityClaim}: ${reading.expected.name} — ${mark(reading.nameMatches)}` : s.identityNotRead],
    [
      s.identityNumberRead,
      reading
        ? `${reading.idNumber ?? s.identityNotRead} — ${reading.idNumberValid ? s.identityCheckOk : s.identityCheckBad} — ${reading.expected.idNumber ? `${s.identityClaim}: ${reading.expected.idNumber} — ` : ""}${mark(reading.numberMatches)}`
        : s.identityNotRead,
    ],
    [s.identityDecision, attestation ? `${s.identityDecisions[attestation.decision]} — ${attestation.reason}` : s.identityNotAttested],
    [s.identityAttestedBy, attestation ? `${fmt.who(attestation.by)} · ${fmt.when(attestation.at)}` : "—"],
  ]);
  flow.figure(await jpeg(doc, identity.portraitBytes), s.identityNoPortrait, 90, [[s.identityPortrait, portrait ? portrait.path : s.identityNoPortrait]]);
  flow.figure(await jpeg(doc, shots.face ? files.thumbnails[shots.face] : null), s.identityNoPhoto, 120, [
    [s.identityFace, path(shots.face)],
    [s.identityCardBack, path(shots.back)],
  ]);
  // Full width, in the mono font, so each hash stays on one line and can be searched for.
  flow.keyValues([
    [`${s.identityCardFront} SHA-256`, hash(shots.front), "mono"],
    [`${s.identityCardBack} SHA-256`, hash(shots.back), "mono"],
    [`${s.identityFace} SHA-256`, hash(shots.face), "mono"],
    [`${s.identityPortrait} SHA-256`, portrait ? portrait.sha256 : "—", "mono"],
    ...(reading
      ? ([
          [`${s.identityOcrModel.det} SHA-256`, reading.model.detectionSha256, "mono"],
          [`${s.identityOcrModel.rec} SHA-256`, reading.model.recognitionSha256, "mono"],
          [`${s.identityOcrModel.dict} SHA-256`, reading.model.dictionarySha256, "mono"],
        ] as [string, string, "mono"][])
      : []),
  ]);
}
