// The driver's statement and hand signature (issue 15, point 2). The agent asks
// for it; the phone shows the text built from the survey's recorded facts and
// the driver signs; the agent and the field adjuster confirm it. Every step is a
// timeline event carrying the statement's SHA-256, so the signed event log
// binds the exact text, and the stored signature keeps the text itself.
import { createHash } from "node:crypto";
import sharp from "sharp";
import type { Db } from "../db/client";
import { statementFactsSchema, statementSha256, statementText, type StatementFacts, type StatementLocale } from "../evidence/statement-text";
import { surveyChecklist } from "./checklists";
import { IDENTITY_ITEMS } from "../identity/identity-items";
import { DomainError } from "./errors";
import type { ParticipantIdentity } from "./participants";
import { appendSurveyEvent, parseEventPayload } from "./survey-events";
import type { SignatureSubmission } from "./statement-input";
import { placeToColumns } from "./place-report";

export interface CurrentStatement {
  locale: StatementLocale;
  text: string;
  sha256: string;
}

/** The survey's facts as recorded now, in the statement's shape. */
export async function statementFacts(db: Db, surveyId: string, locale: StatementLocale): Promise<StatementFacts> {
  const survey = await db.survey.findUniqueOrThrow({
    where: { id: surveyId },
    include: { claim: true, captures: { orderBy: [{ receivedAt: "asc" }, { id: "asc" }] } },
  });
  const labels = new Map([...(await surveyChecklist(db, survey)), ...IDENTITY_ITEMS].map((i) => [i.key, i.label[locale]]));
  const consentEvent = await db.surveyEvent.findFirst({ where: { surveyId, type: "recording.consent" }, orderBy: { seq: "desc" } });
  const consentPayload = consentEvent ? parseEventPayload(consentEvent.payload) : null;
  return statementFactsSchema.parse({
    locale,
    surveyId: survey.id,
    claimNumber: survey.claim.claimNumber,
    policyNumber: survey.claim.policyNumber,
    plate: survey.claim.plate,
    policyholderName: survey.claim.policyholderName,
    claimType: survey.claim.claimType,
    incidentAt: survey.claim.incidentAt,
    incidentPlace: survey.claim.incidentPlace,
    photos: survey.captures.map((c) => ({
      item: labels.get(c.itemKey) ?? c.itemKey,
      capturedAt: c.capturedAt ?? c.receivedAt,
      sha256: c.sha256,
      verdict: c.overrideAt ? "overridden" : c.verdict === "accepted" ? "accepted" : "rejected",
    })),
    consent:
      survey.recordingConsent === "granted" || survey.recordingConsent === "refused"
        ? {
            decision: survey.recordingConsent,
            at: survey.recordingConsentAt ?? consentEvent?.at ?? survey.createdAt,
            noticeVersion: typeof consentPayload?.noticeVersion === "string" ? consentPayload.noticeVersion : "unknown",
          }
        : null,
  });
}

export async function currentStatement(db: Db, surveyId: string, locale: StatementLocale): Promise<CurrentStatement> {
  const text = statementText(await statementFacts(db, surveyId, locale));
  return { locale, text, sha256: statementSha256(text) };
}

export type ConfirmingRole = "agent" | "adjuster";

/** Where the statement stands, for the phone and both consoles. */
export async function statementStatus(db: Db, surveyId: string, locale: StatementLocale) {
  const events = await db.surveyEvent.findMany({ where: { surveyId, type: { in: ["statement.requested", "statement.signed", "statement.confirmed"] } }, orderBy: { seq: "asc" } });
  const requested = events.find((e) => e.type === "statement.requested");
  const signature = await latestSignature(db, surveyId);
  // The statement of the signed language once signed, so everyone reads and confirms the same text.
  const statement = await currentStatement(db, surveyId, (signature?.locale as StatementLocale | undefined) ?? locale);
  const confirmations: Record<ConfirmingRole, { at: Date; statementSha256: string } | null> = { agent: null, adjuster: null };
  for (const e of events) {
    if (e.type !== "statement.confirmed") continue;
    const p = parseEventPayload(e.payload);
    if ((p.role === "agent" || p.role === "adjuster") && typeof p.statementSha256 === "string") confirmations[p.role] = { at: e.at, statementSha256: p.statementSha256 };
  }
  const signedCurrent = Boolean(signature && signature.statementSha256 === statement.sha256);
  return {
    requested: Boolean(requested),
    requestedAt: requested?.at ?? null,
    statement,
    signature: signature && {
      statementSha256: signature.statementSha256,
      imageSha256: signature.imageSha256,
      signedAt: signature.signedAt,
      locale: signature.locale as StatementLocale,
      /** False when the facts changed after signing (a new photo, an override): it must be signed again. */
      current: signedCurrent,
    },
    /** Confirmations of the statement as it now stands (an older confirmation of a changed text does not count). */
    confirmations: {
      agent: signedCurrent && confirmations.agent?.statementSha256 === statement.sha256 ? confirmations.agent : null,
      adjuster: signedCurrent && confirmations.adjuster?.statementSha256 === statement.sha256 ? confirmations.adjuster : null,
    },
  };
}

/** The agent asks the driver to read and sign the statement. */
export async function requestStatement(db: Db, surveyId: string, by: { userId: string; role: string }) {
  await requireOpen(db, surveyId);
  const statement = await currentStatement(db, surveyId, await surveyLocale(db, surveyId));
  await appendSurveyEvent(db, surveyId, { type: "statement.requested", actorId: by.userId, actorRole: by.role, payload: { statementSha256: statement.sha256, locale: statement.locale } });
}

/** The driver's signature: stored with the exact text, if the text they read is still the statement. */
export async function signStatement(db: Db, who: ParticipantIdentity, input: SignatureSubmission) {
  await requireOpen(db, who.surveyId);
  if (!(await db.surveyEvent.findFirst({ where: { surveyId: who.surveyId, type: "statement.requested" }, select: { id: true } }))) {
    throw new DomainError("STATEMENT_NOT_REQUESTED", "The agent has not asked for the statement yet.");
  }
  const statement = await currentStatement(db, who.surveyId, input.locale);
  if (statement.sha256 !== input.statementSha256) throw new DomainError("STATEMENT_CHANGED", "The statement changed; read it again.");
  const image = Buffer.from(input.imagePngBase64, "base64");
  await checkSignatureImage(image);
  const imageSha256 = createHash("sha256").update(image).digest("hex");
  const strokes = JSON.stringify({ format: "claims-survey-strokes/1", width: input.width, height: input.height, strokes: input.strokes });
  const place = placeToColumns(input.place);
  const row = await db.statementSignature.create({
    data: {
      surveyId: who.surveyId,
      participantId: who.participantId,
      locale: input.locale,
      statementText: statement.text,
      statementSha256: statement.sha256,
      imagePng: image,
      imageSha256,
      strokes,
      placeStatus: place.status,
      placeLat: place.lat,
      placeLon: place.lon,
      placeAccuracy: place.accuracy,
      placeAt: place.at,
    },
  });
  await appendSurveyEvent(db, who.surveyId, {
    type: "statement.signed",
    actorId: who.participantId,
    actorRole: who.role,
    payload: {
      statementSha256: statement.sha256,
      imageSha256,
      strokesSha256: createHash("sha256").update(strokes).digest("hex"),
      locale: input.locale,
      signedAt: row.signedAt.toISOString(),
      strokeCount: input.strokes.length,
      pointerTypes: [...new Set(input.strokes.map((s) => s.pointerType))].sort(),
      ...(input.place ? { place: input.place } : {}),
    },
  });
  return { statementSha256: statement.sha256, imageSha256, signedAt: row.signedAt };
}

/** The agent or the field adjuster confirms the signed statement as it stands. */
export async function confirmStatement(db: Db, surveyId: string, role: ConfirmingRole, actor: { id: string; role: string }, statementSha256Seen: string) {
  await requireOpen(db, surveyId);
  const signature = await latestSignature(db, surveyId);
  if (!signature) throw new DomainError("STATEMENT_NOT_SIGNED", "The driver has not signed the statement yet.");
  const statement = await currentStatement(db, surveyId, signature.locale as StatementLocale);
  if (statement.sha256 !== signature.statementSha256) throw new DomainError("STATEMENT_NOT_SIGNED", "The statement changed after it was signed; the driver must sign it again.");
  if (statementSha256Seen !== statement.sha256) throw new DomainError("STATEMENT_CHANGED", "The statement changed; read it again.");
  await appendSurveyEvent(db, surveyId, { type: "statement.confirmed", actorId: actor.id, actorRole: actor.role, payload: { role, statementSha256: statement.sha256, signatureImageSha256: signature.imageSha256 } });
}

export function latestSignature(db: Db, surveyId: string) {
  return db.statementSignature.findFirst({ where: { surveyId }, orderBy: [{ signedAt: "desc" }, { id: "desc" }] });
}

async function requireOpen(db: Db, surveyId: string) {
  const s = await db.survey.findUnique({ where: { id: surveyId }, select: { status: true } });
  if (!s) throw new DomainError("NOT_FOUND", "No such survey.");
  if (s.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has ended.");
}

async function surveyLocale(db: Db, surveyId: string): Promise<StatementLocale> {
  const s = await db.survey.findUniqueOrThrow({ where: { id: surveyId }, select: { locale: true } });
  return s.locale === "en" ? "en" : "zh-CN";
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A real PNG of a sane size (the zod schema already bounded its length). */
async function checkSignatureImage(image: Buffer) {
  if (image.length < PNG_MAGIC.length || !image.subarray(0, 8).equals(PNG_MAGIC)) throw new DomainError("SIGNATURE_INVALID", "The signature image is not a PNG.");
  const meta = await sharp(image).metadata().catch(() => null);
  if (!meta || meta.format !== "png" || !meta.width || !meta.height || meta.width > 2048 || meta.height > 2048) {
    throw new DomainError("SIGNATURE_INVALID", "The signature image is not a readable PNG of at most 2048×2048 pixels.");
  }
}
