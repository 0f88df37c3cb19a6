// The identity step as the evidence package takes it (server/evidence/
// package-input.ts, identityStepSchema): the photos the agent attested (or,
// without an attestation, the latest), the reading of that card front with
// its portrait crop, and the latest attestation.
import { readFile } from "node:fs/promises";
import type { Db } from "../db/client";
import { parseEventPayload } from "../domain/survey-events";
import type { PackageInputRaw } from "../evidence/package-input";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { identityCaptures, readingOf } from "./identity-step";

interface EventRow {
  type: string;
  actorId: string | null;
  at: Date;
  payload: string;
}

export async function identityForPackage(
  db: Db,
  surveyId: string,
  events: EventRow[],
  storage: Pick<RecordingStorage, "ensureLocal">,
  staffParticipant: (userId: string) => Promise<string>,
  participantIds: Set<string>,
): Promise<PackageInputRaw["identity"]> {
  if (!events.some((e) => e.type === "identity.requested")) return undefined;
  const attested = events.filter((e) => e.type === "identity.attested").at(-1);
  const a = attested ? parseEventPayload(attested.payload) : null;
  const latest = await identityCaptures(db, surveyId);
  // The photos the attestation names are the ones attested, even if another came later.
  const named = (v: unknown) => (v && typeof v === "object" && typeof (v as { captureId?: unknown }).captureId === "string" ? (v as { captureId: string }).captureId : null);
  const shots = {
    front: named(a?.cardFront) ?? latest.front?.id ?? null,
    back: named(a?.cardBack) ?? latest.back?.id ?? null,
    face: named(a?.face) ?? latest.face?.id ?? null,
  };
  const reading = shots.front ? await readingOf(db, surveyId, shots.front) : null;
  let portraitJpegBase64: string | undefined;
  if (reading?.portraitKey) {
    const bytes = await readFile(await storage.ensureLocal(reading.portraitKey)).catch(() => null);
    if (bytes) portraitJpegBase64 = bytes.toString("base64");
  }
  let attestation: NonNullable<PackageInputRaw["identity"]>["attestation"] = null;
  if (attested && a && attested.actorId && (a.decision === "confirmed" || a.decision === "not_confirmed") && typeof a.reason === "string") {
    const by = participantIds.has(attested.actorId) ? attested.actorId : await staffParticipant(attested.actorId);
    attestation = { decision: a.decision, reason: a.reason, by, at: attested.at };
  }
  return {
    shots,
    reading: reading && {
      captureId: reading.captureId,
      cardSha256: reading.cardSha256,
      name: reading.name,
      idNumber: reading.idNumber,
      idNumberValid: reading.idNumberValid,
      expected: reading.expected,
      nameMatches: reading.nameMatches,
      numberMatches: reading.numberMatches,
      portraitSha256: reading.portraitSha256,
      lines: reading.lines.slice(0, 100),
      model: reading.model,
    },
    ...(portraitJpegBase64 ? { portraitJpegBase64 } : {}),
    attestation,
  };
}
