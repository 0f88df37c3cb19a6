// The identity step (issue 15, point 1). The agent starts it; the phone shoots
// the ID card's front, its back and the driver's face (ordinary captures,
// judged by the quality gate, stored with their SHA-256); the server reads the
// card front (OCR: name, number, portrait), checks the number's GB 11643 check
// character and compares both with the claim; the agent looks at card,
// portrait and face side by side and attests. Every step is a timeline event,
// so the signed event log carries what was read, from which photo (its hash),
// and what the agent decided.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { DomainError } from "../domain/errors";
import { appendSurveyEvent, parseEventPayload } from "../domain/survey-events";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { idNumberValid, normaliseIdNumber } from "./id-number";
import { IDENTITY_ITEM_KEYS, IDENTITY_ITEMS, type IdentityShot } from "./identity-items";
import { readCard } from "./read-card";

export interface IdentityDeps {
  db: Db;
  storage: RecordingStorage;
  log: Logger;
}

/** What the OCR read from one card-front photo, as the `identity.read` event records it. */
export interface IdentityReading {
  captureId: string;
  cardSha256: string;
  name: string | null;
  idNumber: string | null;
  /** The number read has 18 characters and a right check character. */
  idNumberValid: boolean;
  expected: { name: string; idNumber: string | null };
  nameMatches: boolean;
  /** Null when the claim has no identity number to compare with. */
  numberMatches: boolean | null;
  portraitSha256: string | null;
  portraitKey: string | null;
  lines: string[];
  model: { detectionSha256: string; recognitionSha256: string; dictionarySha256: string };
}

export type Decision = "confirmed" | "not_confirmed";

/** Names compare without spaces and with one kind of middle dot (names of minorities: 买买提·艾力). */
export function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize("NFKC").replace(/\s+/g, "").replace(/[•・．.]/g, "·");
  return norm(a) === norm(b);
}

async function requireOpen(db: Db, surveyId: string) {
  const s = await db.survey.findUnique({ where: { id: surveyId }, select: { status: true } });
  if (!s) throw new DomainError("NOT_FOUND", "No such survey.");
  if (s.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has ended.");
}

export async function startIdentityStep(db: Db, surveyId: string, by: { userId: string; role: string }) {
  await requireOpen(db, surveyId);
  await appendSurveyEvent(db, surveyId, { type: "identity.requested", actorId: by.userId, actorRole: by.role, payload: { items: IDENTITY_ITEMS.map((i) => i.key) } });
}

/** The latest photo of each identity shot; an accepted (or overridden) one is preferred to a later rejected one. */
export async function identityCaptures(db: Db, surveyId: string) {
  const rows = await db.capture.findMany({ where: { surveyId, itemKey: { in: Object.values(IDENTITY_ITEM_KEYS) } }, orderBy: [{ receivedAt: "asc" }, { id: "asc" }] });
  const pick = (key: string) => {
    const mine = rows.filter((r) => r.itemKey === key);
    return mine.filter((r) => r.verdict === "accepted" || r.overrideAt).at(-1) ?? mine.at(-1) ?? null;
  };
  return { front: pick(IDENTITY_ITEM_KEYS.front), back: pick(IDENTITY_ITEM_KEYS.back), face: pick(IDENTITY_ITEM_KEYS.face) } satisfies Record<IdentityShot, unknown>;
}

export function readingFromPayload(p: Record<string, unknown>): IdentityReading | null {
  return typeof p.captureId === "string" && typeof p.cardSha256 === "string" ? (p as unknown as IdentityReading) : null;
}

/** The `identity.read` event of this card photo, if it was read. */
export async function readingOf(db: Db, surveyId: string, captureId: string): Promise<IdentityReading | null> {
  const events = await db.surveyEvent.findMany({ where: { surveyId, type: "identity.read" }, orderBy: { seq: "desc" } });
  for (const e of events) {
    const r = readingFromPayload(parseEventPayload(e.payload));
    if (r?.captureId === captureId) return r;
  }
  return null;
}

const inflight = new Map<string, Promise<IdentityReading>>();
const failed = new Set<string>();

/**
 * Reads the card front once per photo (a second caller waits for the first);
 * the result is an `identity.read` event and the portrait crop a stored file.
 */
export function readCardFront(deps: IdentityDeps, surveyId: string, captureId: string): Promise<IdentityReading> {
  let job = inflight.get(captureId);
  if (!job) {
    job = doRead(deps, surveyId, captureId).finally(() => inflight.delete(captureId));
    inflight.set(captureId, job);
  }
  return job;
}

async function doRead({ db, storage }: IdentityDeps, surveyId: string, captureId: string): Promise<IdentityReading> {
  const known = await readingOf(db, surveyId, captureId);
  if (known) return known;
  const capture = await db.capture.findFirstOrThrow({ where: { id: captureId, surveyId }, include: { survey: { include: { claim: true } } } });
  const bytes = await readAll(storage, capture.storageKey);
  const card = await readCard(bytes);
  let portraitSha256: string | null = null;
  let portraitKey: string | null = null;
  if (card.portraitJpeg) {
    portraitKey = `${surveyId}/identity/${captureId}.portrait.jpg`;
    const writer = await storage.put(portraitKey);
    try {
      await writer.write(card.portraitJpeg);
      await writer.sync();
    } finally {
      await writer.close();
    }
    await storage.finalise(portraitKey);
    portraitSha256 = createHash("sha256").update(card.portraitJpeg).digest("hex");
  }
  const claim = capture.survey.claim;
  const expected = { name: claim.policyholderName, idNumber: claim.policyholderIdNumber ?? null };
  const reading: IdentityReading = {
    captureId,
    cardSha256: capture.sha256,
    name: card.name,
    idNumber: card.idNumber,
    idNumberValid: card.idNumber !== null && idNumberValid(card.idNumber),
    expected,
    nameMatches: card.name !== null && sameName(card.name, expected.name),
    numberMatches: expected.idNumber === null ? null : card.idNumber !== null && normaliseIdNumber(card.idNumber) === normaliseIdNumber(expected.idNumber),
    portraitSha256,
    portraitKey,
    lines: card.lines.map((l) => l.text),
    model: card.model,
  };
  // Read while the photo was taken: a second reader of the same photo may have finished first.
  const raced = await readingOf(db, surveyId, captureId);
  if (raced) return raced;
  await appendSurveyEvent(db, surveyId, { type: "identity.read", payload: { ...reading } });
  return reading;
}

async function readAll(storage: RecordingStorage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.open(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function portraitBytes(storage: RecordingStorage, key: string): Promise<Buffer | null> {
  return readAll(storage, key).catch(() => null);
}

/** Where the step stands for the agent's panel; starts reading a card front not read yet. */
export async function identityStatus(deps: IdentityDeps, surveyId: string) {
  const { db, storage, log } = deps;
  const events = await db.surveyEvent.findMany({ where: { surveyId, type: { in: ["identity.requested", "identity.attested"] } }, orderBy: { seq: "asc" } });
  const requested = events.find((e) => e.type === "identity.requested");
  const attestedEvent = events.filter((e) => e.type === "identity.attested").at(-1);
  const shots = await identityCaptures(db, surveyId);
  let reading: IdentityReading | null = null;
  let readingState: "none" | "reading" | "done" | "failed" = "none";
  if (shots.front) {
    reading = await readingOf(db, surveyId, shots.front.id);
    if (reading) readingState = "done";
    else if (failed.has(shots.front.id)) readingState = "failed";
    else {
      readingState = "reading";
      const id = shots.front.id;
      readCardFront(deps, surveyId, id).catch((err: unknown) => {
        failed.add(id);
        log.error({ err, surveyId, captureId: id }, "identity: reading the ID card failed");
      });
    }
  }
  const portrait = reading?.portraitKey ? await portraitBytes(storage, reading.portraitKey) : null;
  const shot = (c: (typeof shots)[IdentityShot]) =>
    c && { captureId: c.id, sha256: c.sha256, thumbUrl: `/api/captures/${c.id}/thumb?size=large`, verdict: c.overrideAt ? ("accepted" as const) : (c.verdict as "accepted" | "rejected"), overridden: Boolean(c.overrideAt) };
  const attestation = attestedEvent && { ...(parseEventPayload(attestedEvent.payload) as { decision: Decision; reason: string }), at: attestedEvent.at };
  return {
    requested: Boolean(requested),
    items: IDENTITY_ITEMS.map((i) => ({ key: i.key, label: i.label })),
    shots: { front: shot(shots.front), back: shot(shots.back), face: shot(shots.face) },
    readingState,
    reading: reading && { ...reading, portraitKey: undefined, portraitDataUrl: portrait ? `data:image/jpeg;base64,${portrait.toString("base64")}` : null },
    attestation: attestation ? { decision: attestation.decision, reason: attestation.reason, at: attestation.at } : null,
  };
}

/** The agent's decision on what they saw, bound to the photos' and the portrait's hashes. */
export async function attestIdentity(deps: IdentityDeps, surveyId: string, by: { userId: string; role: string }, input: { decision: Decision; reason: string }) {
  const { db } = deps;
  await requireOpen(db, surveyId);
  if (!(await db.surveyEvent.findFirst({ where: { surveyId, type: "identity.requested" }, select: { id: true } }))) {
    throw new DomainError("IDENTITY_NOT_STARTED", "The identity step has not been started.");
  }
  const shots = await identityCaptures(db, surveyId);
  if (!shots.front || !shots.back || !shots.face) throw new DomainError("IDENTITY_INCOMPLETE", "The card's front and back and the face must be photographed first.");
  const reading = await readingOf(db, surveyId, shots.front.id);
  await appendSurveyEvent(db, surveyId, {
    type: "identity.attested",
    actorId: by.userId,
    actorRole: by.role,
    payload: {
      decision: input.decision,
      reason: input.reason,
      cardFront: { captureId: shots.front.id, sha256: shots.front.sha256 },
      cardBack: { captureId: shots.back.id, sha256: shots.back.sha256 },
      face: { captureId: shots.face.id, sha256: shots.face.sha256 },
      portraitSha256: reading?.portraitSha256 ?? null,
      read: reading ? { name: reading.name, idNumber: reading.idNumber, idNumberValid: reading.idNumberValid, nameMatches: reading.nameMatches, numberMatches: reading.numberMatches } : null,
    },
  });
}
