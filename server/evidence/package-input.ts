// What the evidence package is built from. The database layer maps a closed
// survey into this shape; everything here is validated before a single byte is
// written, and file paths are only read (hashes are computed by the builder,
// never taken from the caller).
import path from "node:path";
import { z } from "zod";

// Ids become file names inside the package, so they are kept to a safe alphabet.
export const evidenceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "must be 1–128 characters of A–Z a–z 0–9 . _ - (it becomes a file name)");

/** A point in time: a Date (as Prisma returns) or an ISO-8601 string with offset; stored as UTC ISO. */
export const instant = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((v) => (v instanceof Date ? v : new Date(v)))
  .refine((d) => !Number.isNaN(d.getTime()), "is not a valid date")
  .transform((d) => d.toISOString());

/** A calendar date (policy periods are contractual dates, not instants). */
export const calendarDate = z.iso.date();

const sourceFile = z
  .string()
  .min(1)
  .refine((p) => path.isAbsolute(p), "must be an absolute path to the stored file");

const mediaType = z.string().regex(/^[a-z]+\/[A-Za-z0-9.+-]+$/, "must be a media type such as image/jpeg");

const text = (max: number) => z.string().max(max);

export const participantSchema = z.object({
  id: evidenceId,
  role: z.enum(["policyholder", "agent", "adjuster"]),
  displayName: z.string().min(1).max(200),
  /** How the person was identified, e.g. "invite link sent by SMS to +86 138****1234" or "staff login". */
  identifiedBy: z.string().min(1).max(500),
  joinedAt: instant.optional(),
  leftAt: instant.optional(),
  /** The staff account behind this participant: staff actions in the timeline name the account as their actor. */
  accountId: z.string().max(128).optional(),
});

/**
 * Where the driver's phone was at a step (the consent, a photo, the
 * signature): its fix, with accuracy and the fix's own time, or why there is
 * none (refused, unavailable, not asked yet).
 */
export const placeSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("fix"),
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    accuracyM: z.number().nonnegative().optional(),
    at: instant.optional(),
  }),
  z.object({ status: z.enum(["refused", "unavailable", "unanswered"]) }),
]);

export const consentSchema = z.object({
  statementText: z.string().min(1).max(20_000),
  at: instant,
  decision: z.enum(["accepted", "refused"]),
  /** Participant who gave (or refused) consent. */
  participantId: evidenceId,
  /** Participant who read the statement out, usually the agent. */
  readBy: evidenceId,
  /** Where the phone was when the answer was given (absent: not reported). */
  place: placeSchema.optional(),
});

export const timelineEventSchema = z.object({
  seq: z.number().int().positive(),
  at: instant,
  type: z.string().min(1).max(100),
  actorId: z.string().max(128).nullable().optional(),
  actorRole: z.string().max(64).nullable().optional(),
  payload: z.json().optional(),
});

export const gpsSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().nonnegative().optional(),
});

export const captureSchema = z.object({
  id: evidenceId,
  checklistItem: z.string().min(1).max(200),
  originalPath: sourceFile,
  mediaType,
  capturedAt: instant,
  capturedBy: evidenceId.optional(),
  gps: gpsSchema.optional(),
  /** The phone's own position when the photo was taken, or why there is none (absent: not reported). */
  place: placeSchema.optional(),
  /** What the camera wrote into the file: its time as written (offset when it wrote one) and its GPS position. */
  exif: z
    .object({
      takenAt: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2})?$/).optional(),
      gps: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
    })
    .optional(),
  /** Quality-model score per defect (blur, glare, dark, …), 0 = clean, 1 = certainly defective. */
  qualityScores: z.record(z.string().min(1).max(64), z.number().min(0).max(1)),
  verdict: z.enum(["pass", "fail"]),
  override: z.object({ by: evidenceId, reason: z.string().min(1).max(2000), at: instant.optional() }).optional(),
  thumbnailPath: sourceFile,
  thumbnailMediaType: mediaType.default("image/jpeg"),
  /**
   * The compact copy the phone sent first for a quick verdict (its bytes stay
   * on the server; its hash and verdict are here and on the signed timeline).
   * The verdict above, on the original, is the one that counts.
   */
  provisional: z
    .object({
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      byteSize: z.number().int().positive(),
      receivedAt: instant,
      verdict: z.enum(["pass", "fail"]),
      qualityScores: z.record(z.string().min(1).max(64), z.number().min(0).max(1)),
      /** The original's verdict differs from this one. */
      disagrees: z.boolean(),
    })
    .optional(),
});

export const chatMessageSchema = z.object({
  id: evidenceId,
  at: instant,
  from: evidenceId,
  text: text(10_000),
});

export const continuityEntrySchema = z.object({
  type: z.enum(["start", "stop", "pause", "resume", "gap"]),
  at: instant,
  /** For a gap: when media resumed. */
  until: instant.optional(),
  reason: z.string().max(500).optional(),
  /** The recorder's cause code (gap: rejoin, muxer-restart, packet-loss…; stop: error…; a start that follows a hole: that hole's cause). */
  cause: z.string().max(64).optional(),
  /** Packets the recorder saw lost in a gap, when it counted them (the report words them in its own language). */
  lostPackets: z.number().int().nonnegative().optional(),
  /** For a start that follows a hole: how long the hole was. */
  gapMs: z.number().int().nonnegative().optional(),
});

export const recordingSchema = z
  .object({
    id: evidenceId,
    path: sourceFile,
    mediaType,
    participantId: evidenceId,
    kind: z.enum(["audio", "video"]),
    codec: z.string().min(1).max(64),
    durationMs: z.number().int().nonnegative(),
    continuity: z.array(continuityEntrySchema).min(1),
  })
  .superRefine((r, ctx) => {
    if (r.continuity[0]!.type !== "start") {
      ctx.addIssue({ code: "custom", path: ["continuity", 0, "type"], message: "the first continuity entry must be 'start'" });
    }
    r.continuity.forEach((c, i) => {
      if (i > 0 && c.at < r.continuity[i - 1]!.at) {
        ctx.addIssue({ code: "custom", path: ["continuity", i, "at"], message: "continuity entries must be in time order" });
      }
      if (c.type === "gap" && !c.until) {
        ctx.addIssue({ code: "custom", path: ["continuity", i, "until"], message: "a gap needs 'until'" });
      }
      if (c.until && c.until < c.at) {
        ctx.addIssue({ code: "custom", path: ["continuity", i, "until"], message: "'until' is before 'at'" });
      }
    });
  });

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256");

/**
 * The driver's statement and hand signature (see statement-text.ts): the exact
 * text signed, the pad's PNG, the strokes with their timing, and the
 * confirmations. `sha256` is the hash the driver signed, as the signed timeline
 * records it; the builder writes the text as is, so a text that no longer
 * hashes to it shows in the verifier, not hidden by the builder.
 */
export const statementSignatureSchema = z.object({
  text: z.string().min(1).max(200_000),
  sha256: sha256Hex,
  locale: z.enum(["zh-CN", "en"]),
  signedAt: instant,
  signedBy: evidenceId,
  imagePngBase64: z.string().min(1).max(1_000_000).regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64"),
  /** The strokes as the phone sent them (JSON), kept byte for byte. */
  strokesJson: z.string().min(2).max(5_000_000),
  /** The agent's and the field adjuster's confirmations of this text. */
  confirmations: z
    .array(z.object({ role: z.enum(["agent", "adjuster"]), by: evidenceId, at: instant, statementSha256: sha256Hex }))
    .max(20),
  /** Where the phone was when the driver signed (absent: not reported). */
  place: placeSchema.optional(),
});

/**
 * The identity step (server/identity/): which photos are the card's front and
 * back and the face (capture ids in this package), what the OCR read from the
 * front and how it compared with the claim, the portrait cut from the card,
 * and the agent's attestation. The timeline's identity.read and
 * identity.attested events carry the same facts under the signed tree head.
 */
export const identityStepSchema = z.object({
  shots: z.object({ front: evidenceId.nullable(), back: evidenceId.nullable(), face: evidenceId.nullable() }),
  reading: z
    .object({
      captureId: evidenceId,
      cardSha256: sha256Hex,
      name: z.string().max(100).nullable(),
      idNumber: z.string().max(18).nullable(),
      idNumberValid: z.boolean(),
      expected: z.object({ name: z.string().max(100), idNumber: z.string().max(18).nullable() }),
      nameMatches: z.boolean(),
      numberMatches: z.boolean().nullable(),
      portraitSha256: sha256Hex.nullable(),
      lines: z.array(z.string().max(200)).max(100),
      model: z.object({ detectionSha256: sha256Hex, recognitionSha256: sha256Hex, dictionarySha256: sha256Hex }),
    })
    .nullable(),
  portraitJpegBase64: z.string().min(1).max(2_000_000).regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64").optional(),
  attestation: z.object({ decision: z.enum(["confirmed", "not_confirmed"]), reason: z.string().min(1).max(500), by: evidenceId, at: instant }).nullable(),
});

export const retentionFactsSchema = z
  .object({
    /** Both or neither: a claim may be opened before the policy period is known. */
    policyStart: calendarDate.optional(),
    policyEnd: calendarDate.optional(),
    /** The day the survey closed (UTC); the fallback rule counts from it when there is no policy period. */
    surveyClosedOn: calendarDate.optional(),
    disputeClosedOn: calendarDate.optional(),
    legalHold: z.boolean(),
  })
  .refine((r) => (r.policyStart === undefined) === (r.policyEnd === undefined), { path: ["policyEnd"], message: "give both policy dates or neither" })
  .refine((r) => !r.policyStart || !r.policyEnd || r.policyEnd >= r.policyStart, { path: ["policyEnd"], message: "policy ends before it starts" })
  .refine((r) => r.policyEnd !== undefined || r.surveyClosedOn !== undefined, {
    path: ["surveyClosedOn"],
    message: "without a policy period the survey's closing date is needed",
  });

export const packageInputSchema = z
  .object({
    surveyId: evidenceId,
    claimId: z.string().min(1).max(128),
    policyNumber: z.string().min(1).max(64),
    plate: z.string().min(1).max(32),
    claimType: z.string().min(1).max(64),
    locale: z.enum(["zh-CN", "en"]),
    /** IANA zone for times printed in the report; defaults to Asia/Shanghai for zh-CN, UTC for en. */
    timeZone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat("en", { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, "must be an IANA time zone such as Asia/Shanghai")
      .optional(),
    openedAt: instant,
    closedAt: instant,
    participants: z.array(participantSchema).min(1),
    /** Empty when the policyholder never answered the recording notice; the report says so. */
    consents: z.array(consentSchema),
    events: z.array(timelineEventSchema),
    captures: z.array(captureSchema),
    chat: z.array(chatMessageSchema),
    recordings: z.array(recordingSchema),
    /** The checklist items' names in the report's language, by key, so the report never prints a key. */
    checklistLabels: z.record(z.string().min(1).max(200), z.string().min(1).max(200)).optional(),
    retention: retentionFactsSchema,
    softwareVersion: z.string().min(1).max(100),
    qualityModelSha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256"),
    /** Absent when the driver never signed a statement (the report says so). */
    statement: statementSignatureSchema.optional(),
    /** How far a photo's EXIF time and position may differ from its capture's before the report flags it (photo-place-check.ts). */
    placeCheck: z.object({ timeMarginS: z.number().int().positive().max(30 * 86_400), distanceMarginM: z.number().positive().max(20_000_000) }).optional(),
    /** Absent when no identity step was started. */
    identity: identityStepSchema.optional(),
  })
  .superRefine((input, ctx) => {
    if (input.closedAt < input.openedAt) ctx.addIssue({ code: "custom", path: ["closedAt"], message: "survey closes before it opens" });
    const participantIds = new Set(input.participants.map((p) => p.id));
    const needParticipant = (id: string | undefined, where: (string | number)[]) => {
      if (id !== undefined && !participantIds.has(id)) ctx.addIssue({ code: "custom", path: where, message: `unknown participant '${id}'` });
    };
    unique(input.participants.map((p) => p.id), ["participants"], ctx);
    unique(input.captures.map((c) => c.id), ["captures"], ctx);
    unique(input.recordings.map((r) => r.id), ["recordings"], ctx);
    unique(input.chat.map((m) => m.id), ["chat"], ctx);
    input.consents.forEach((c, i) => {
      needParticipant(c.participantId, ["consents", i, "participantId"]);
      needParticipant(c.readBy, ["consents", i, "readBy"]);
    });
    input.captures.forEach((c, i) => {
      needParticipant(c.capturedBy, ["captures", i, "capturedBy"]);
      needParticipant(c.override?.by, ["captures", i, "override", "by"]);
    });
    input.chat.forEach((m, i) => needParticipant(m.from, ["chat", i, "from"]));
    input.recordings.forEach((r, i) => needParticipant(r.participantId, ["recordings", i, "participantId"]));
    needParticipant(input.statement?.signedBy, ["statement", "signedBy"]);
    input.statement?.confirmations.forEach((c, i) => needParticipant(c.by, ["statement", "confirmations", i, "by"]));
    needParticipant(input.identity?.attestation?.by, ["identity", "attestation", "by"]);
    // The timeline is append-only with a dense per-survey sequence starting at 1;
    // a hole or a swap here means the source data is already damaged.
    input.events.forEach((e, i) => {
      if (e.seq !== i + 1) {
        ctx.addIssue({ code: "custom", path: ["events", i, "seq"], message: `expected seq ${i + 1} (dense, in order), got ${e.seq}` });
      }
    });
  });

function unique(ids: string[], where: (string | number)[], ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) ctx.addIssue({ code: "custom", path: [...where, i, "id"], message: `duplicate id '${id}'` });
    seen.add(id);
  });
}

/** What the caller passes (dates may be Date objects). */
export type PackageInputRaw = z.input<typeof packageInputSchema>;
/** After validation (dates are UTC ISO strings). */
export type PackageInput = z.output<typeof packageInputSchema>;
export type Participant = z.output<typeof participantSchema>;
export type Capture = z.output<typeof captureSchema>;
export type Recording = z.output<typeof recordingSchema>;
export type TimelineEvent = z.output<typeof timelineEventSchema>;
export type ChatMessage = z.output<typeof chatMessageSchema>;
export type RetentionFacts = z.output<typeof retentionFactsSchema>;
export type StatementSignature = z.output<typeof statementSignatureSchema>;
export type Place = z.output<typeof placeSchema>;
export type IdentityStep = z.output<typeof identityStepSchema>;

export class PackageInputError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`evidence package input is invalid:\n${issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n")}`);
    this.name = "PackageInputError";
  }
}

export function parsePackageInput(raw: unknown): PackageInput {
  const result = packageInputSchema.safeParse(raw);
  if (!result.success) {
    throw new PackageInputError(result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  return result.data;
}
