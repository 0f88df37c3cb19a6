// Was everything that should have been recorded recorded? For each participant
// × audio/video this compares what the survey's own timeline says was live and
// consented (media.track.* events, joins and leaves, the consent, the close)
// with what the recordings' continuity logs say was written, and names every
// hole with its reason. The builder prints it in the PDF and stores it in
// survey.json; the verifier recomputes it from the signed survey.json and
// events.jsonl, so the stored claim is never what it relies on.
import { z } from "zod";

/** Changing how completeness is computed changes this name; a stored claim is compared only under the same name. */
export const COMPLETENESS_ALGORITHM = "claims-survey-completeness/1";

/**
 * Holes shorter than this are listed but do not make a survey incomplete: a
 * muxer starting and the first keyframe arriving take a moment, and the
 * timeline's clock and the recorder's are a few milliseconds apart.
 */
export const GAP_TOLERANCE_MS = 2_000;

export type CompletenessStatus = "complete" | "incomplete" | "unknown";

/** Why a stretch is missing; pages and the PDF translate these. */
export const GAP_CAUSES = [
  "recording-failed",
  "muxer-restart",
  "rejoin",
  "replaced",
  "packet-loss",
  "recording-stopped",
  "start-up",
  "not-recorded",
  "unknown",
  "network",
  "tail-not-written",
  "no-frames",
] as const;
export type GapCause = (typeof GAP_CAUSES)[number];

export interface CompletenessGap {
  from: string;
  to: string;
  /** From the recording's start (the consent), HH:MM:SS; `from` rounded down, `to` up, so the printed span holds the hole. */
  fromOffset: string;
  toOffset: string;
  ms: number;
  cause: GapCause;
  /** In English words, for the command line and the JSON. */
  reason: string;
  /** Failure codes logged by the recorder for this hole (recording.track.failed, recording.failed). */
  codes: string[];
  /** Error ids of those failures; the same ids are in the server log. */
  errorIds: string[];
  /** Shorter than the tolerance: listed, but not counted against completeness. */
  tolerated: boolean;
  /** For a failed recording that came back: how (e.g. muxer-restart: a new file). */
  resumedAfter?: GapCause;
}

export interface CompletenessItem {
  participantId: string;
  role: string;
  name: string;
  kind: "audio" | "video";
  expectedMs: number;
  coveredMs: number;
  gaps: CompletenessGap[];
  neverRecorded: boolean;
  /** Recordings (package ids) that cover this participant × kind. */
  recordings: string[];
}

export interface CompletenessReport {
  algorithm: string;
  status: CompletenessStatus;
  summary: string;
  /** Why the status is unknown (absent otherwise). */
  unknownReason?: UnknownReason;
  /** When recording was consented to: the zero of every offset (null when nobody consented). */
  consentAt: string | null;
  toleranceMs: number;
  items: CompletenessItem[];
}

export type UnknownReason = "no-media-events" | "track-without-media-events" | "integrity-failed" | "no-survey-record";

// ---------------------------------------------------------------------------
// Input: what both the package input and a package's survey.json + events.jsonl hold.

const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "is not a date");
export const completenessInputSchema = z.object({
  openedAt: iso,
  closedAt: iso,
  participants: z.array(z.object({ id: z.string(), role: z.string(), displayName: z.string() })),
  consents: z.array(z.object({ at: iso, decision: z.string(), participantId: z.string() })),
  events: z.array(
    z.object({
      seq: z.number(),
      at: iso,
      type: z.string(),
      actorId: z.string().nullable().optional(),
      actorRole: z.string().nullable().optional(),
      payload: z.unknown().optional(),
    }),
  ),
  recordings: z.array(
    z.object({
      id: z.string(),
      participantId: z.string(),
      kind: z.enum(["audio", "video"]),
      durationMs: z.number(),
      continuity: z.array(
        z.object({
          type: z.string(),
          at: iso,
          until: iso.optional(),
          reason: z.string().optional(),
          cause: z.string().optional(),
        }),
      ),
    }),
  ),
});
export type CompletenessInput = z.infer<typeof completenessInputSchema>;

// ---------------------------------------------------------------------------
// Interval arithmetic on [from, to) in epoch ms.

type Span = [number, number];

function union(spans: Span[]): Span[] {
  const sorted = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Span[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function subtract(from: Span[], minus: Span[]): Span[] {
  let rest = union(from);
  for (const [c, d] of union(minus)) {
    const next: Span[] = [];
    for (const [a, b] of rest) {
      if (d <= a || c >= b) next.push([a, b]);
      else {
        if (c > a) next.push([a, c]);
        if (d < b) next.push([d, b]);
      }
    }
    rest = next;
  }
  return rest;
}

const total = (spans: Span[]) => spans.reduce((s, [a, b]) => s + (b - a), 0);
const overlaps = ([a, b]: Span, [c, d]: Span) => c < b && d > a;

// ---------------------------------------------------------------------------

const t = (iso: string) => Date.parse(iso);
const isoOf = (ms: number) => new Date(ms).toISOString();
const KINDS = ["audio", "video"] as const;
type Kind = (typeof KINDS)[number];

interface Producer {
  participantId: string;
  kind: Kind;
  start: number;
  end: number | null;
  pauses: Span[];
  pausedAt: number | null;
}

interface Failure {
  at: number;
  participantId: string | null;
  kind: Kind | null;
  code: string;
  errorId?: string;
}

interface Recovery {
  participantId: string;
  kind: Kind;
  span: Span;
}

const payloadSchema = z
  .object({
    // Each field on its own: one odd field must not hide the others.
    producerId: z.string().optional().catch(undefined),
    kind: z.enum(["audio", "video"]).optional().catch(undefined),
    source: z.string().optional().catch(undefined),
    code: z.string().optional().catch(undefined),
    errorId: z.string().optional().catch(undefined),
    gapFrom: iso.optional().catch(undefined),
    gapTo: iso.optional().catch(undefined),
  })
  .loose();

function payloadOf(e: CompletenessInput["events"][number]) {
  const p = payloadSchema.safeParse(e.payload ?? {});
  return p.success ? p.data : {};
}

/** Unknown, with the reason in words. */
export function unknownCompleteness(reason: UnknownReason, detail?: string): CompletenessReport {
  return {
    algorithm: COMPLETENESS_ALGORITHM,
    status: "unknown",
    summary: `unknown: ${detail ?? UNKNOWN_TEXT[reason]}`,
    unknownReason: reason,
    consentAt: null,
    toleranceMs: GAP_TOLERANCE_MS,
    items: [],
  };
}

const UNKNOWN_TEXT: Record<UnknownReason, string> = {
  "no-media-events":
    "the timeline does not say when cameras and microphones were on (no media.track.* events; a package built before this was recorded), so what should have been recorded cannot be told",
  "track-without-media-events": "a recorded track has no media.track.* events in the timeline, so what should have been recorded cannot be told",
  "integrity-failed": "not computed, because survey.json or the event log failed the integrity checks",
  "no-survey-record": "survey.json or events.jsonl cannot be read as a survey record",
};

export function computeCompleteness(input: CompletenessInput): CompletenessReport {
  const participants = new Map(input.participants.map((p) => [p.id, p]));
  const closedAt = t(input.closedAt);
  const accepted = input.consents.filter((c) => c.decision === "accepted").map((c) => t(c.at));
  const consentAt = accepted.length ? Math.min(...accepted) : null;
  const base = { algorithm: COMPLETENESS_ALGORITHM, toleranceMs: GAP_TOLERANCE_MS };
  if (consentAt === null) {
    return { ...base, status: "complete", summary: "complete: recording was never consented to, so nothing was to be recorded", consentAt: null, items: [] };
  }

  const events = [...input.events].sort((a, b) => a.seq - b.seq);
  if (!events.some((e) => e.type.startsWith("media.track."))) return unknownCompleteness("no-media-events");

  // --- What was live (and what the recorder said went wrong): from the timeline.
  const { producers, failures, recoveries } = readTimeline(events, participants, closedAt);

  // --- What was written: the recordings' continuity.
  const covered = new Map<string, Span[]>();
  const recordingsOf = new Map<string, CompletenessInput["recordings"]>();
  for (const r of input.recordings) {
    const k = `${r.participantId}/${r.kind}`;
    recordingsOf.set(k, [...(recordingsOf.get(k) ?? []), r]);
    covered.set(k, [...(covered.get(k) ?? []), ...coveredSpans(r, closedAt)]);
  }

  const keys = new Set<string>();
  for (const p of producers) keys.add(`${p.participantId}/${p.kind}`);
  const producerKeys = new Set(keys);
  for (const k of recordingsOf.keys()) {
    if (!producerKeys.has(k)) return unknownCompleteness("track-without-media-events", `${UNKNOWN_TEXT["track-without-media-events"]} (${k})`);
  }

  const roleCount = new Map<string, number>();
  for (const p of input.participants) roleCount.set(p.role, (roleCount.get(p.role) ?? 0) + 1);
  const label = (id: string) => {
    const p = participants.get(id)!;
    return (roleCount.get(p.role) ?? 0) > 1 ? `${p.role} ${p.displayName}` : p.role;
  };

  const items: CompletenessItem[] = [];
  const order = input.participants.map((p) => p.id);
  const sortedKeys = [...keys].sort((a, b) => {
    const [pa, ka] = a.split("/");
    const [pb, kb] = b.split("/");
    return order.indexOf(pa!) - order.indexOf(pb!) || KINDS.indexOf(ka as Kind) - KINDS.indexOf(kb as Kind);
  });
  for (const k of sortedKeys) {
    const [participantId, kind] = k.split("/") as [string, Kind];
    const expected = union(
      producers
        .filter((p) => p.participantId === participantId && p.kind === kind)
        .flatMap((p) => subtract([[Math.max(p.start, consentAt), Math.min(p.end ?? closedAt, closedAt)]], p.pauses)),
    );
    const recs = recordingsOf.get(k) ?? [];
    const cover = union(covered.get(k) ?? []);
    const holes = subtract(expected, cover);
    const neverRecorded = recs.length === 0 && total(expected) > 0;
    const person = participants.get(participantId)!;
    items.push({
      participantId,
      role: person.role,
      name: person.displayName,
      kind,
      expectedMs: total(expected),
      coveredMs: total(expected) - total(holes),
      neverRecorded,
      recordings: recs.map((r) => r.id),
      gaps: holes.map((span) =>
        describeGap(span, {
          consentAt,
          expected,
          recordings: recs,
          failures: failures.filter((f) => (f.participantId === null || f.participantId === participantId) && (f.kind === null || f.kind === kind)),
          recoveries: recoveries.filter((r) => r.participantId === participantId && r.kind === kind),
          neverRecorded,
        }),
      ),
    });
  }

  const missing = items
    .map((i) => ({ i, gaps: i.gaps.filter((g) => !g.tolerated) }))
    .filter((x) => x.gaps.length > 0)
    .map(({ i, gaps }) => `${label(i.participantId)} ${i.kind} missing ${gaps.map((g) => `${g.fromOffset}–${g.toOffset}`).join(", ")}${i.neverRecorded ? " (never recorded)" : ""}`);
  const tolerated = items.flatMap((i) => i.gaps.filter((g) => g.tolerated));
  const status: CompletenessStatus = missing.length ? "incomplete" : "complete";
  const summary =
    status === "incomplete"
      ? `incomplete: ${missing.join("; ")}`
      : `complete: all ${items.length} expected track(s) recorded from consent to the end` +
        (tolerated.length ? ` (${tolerated.length} gap(s) under ${GAP_TOLERANCE_MS / 1000} s tolerated)` : "");
  return { ...base, status, summary, consentAt: isoOf(consentAt), items };
}

/**
 * The timeline read in order: each camera/microphone (producer) from its start
 * to its stop, its owner's leave or the close, with its pauses; the recorder's
 * failures and recoveries, tied to a participant × kind through the producer.
 */
function readTimeline(events: CompletenessInput["events"], participants: Map<string, unknown>, closedAt: number): { producers: Producer[]; failures: Failure[]; recoveries: Recovery[] } {
  const producers: Producer[] = [];
  const open = new Map<string, Producer>();
  const byProducerId = new Map<string, { participantId: string; kind: Kind }>();
  const ignored = new Set<string>();
  const failures: Failure[] = [];
  const recoveries: Recovery[] = [];
  const endProducer = (p: Producer, at: number) => {
    if (p.end !== null) return;
    p.end = Math.max(p.start, at);
    if (p.pausedAt !== null) p.pauses.push([p.pausedAt, p.end]);
    p.pausedAt = null;
  };
  for (const e of events) {
    const at = t(e.at);
    const p = payloadOf(e);
    const actor = e.actorId ?? null;
    const key = p.producerId ?? (actor && p.kind ? `${actor}/${p.kind}` : null);
    switch (e.type) {
      case "media.track.started": {
        if (!actor || !participants.has(actor) || !p.kind || !key) break;
        // Screen shares are not recorded (survey-recording-service); nothing is expected of them.
        if (p.source === "screen") {
          ignored.add(key);
          break;
        }
        const previous = open.get(key);
        if (previous) endProducer(previous, at);
        const producer: Producer = { participantId: actor, kind: p.kind, start: at, end: null, pauses: [], pausedAt: null };
        producers.push(producer);
        open.set(key, producer);
        if (p.producerId) byProducerId.set(p.producerId, { participantId: actor, kind: p.kind });
        break;
      }
      case "media.track.paused": {
        const producer = key && !ignored.has(key) ? open.get(key) : undefined;
        if (producer && producer.end === null && producer.pausedAt === null) producer.pausedAt = at;
        break;
      }
      case "media.track.resumed": {
        const producer = key && !ignored.has(key) ? open.get(key) : undefined;
        if (producer && producer.end === null && producer.pausedAt !== null) {
          producer.pauses.push([producer.pausedAt, at]);
          producer.pausedAt = null;
        }
        break;
      }
      case "media.track.stopped": {
        const producer = key ? open.get(key) : undefined;
        if (producer) {
          endProducer(producer, at);
          open.delete(key!);
        }
        break;
      }
      case "participant.left":
        for (const [k, producer] of open) {
          if (producer.participantId === actor) {
            endProducer(producer, at);
            open.delete(k);
          }
        }
        break;
      case "survey.closed":
        for (const producer of open.values()) endProducer(producer, at);
        open.clear();
        break;
      case "recording.track.failed": {
        const known = p.producerId ? byProducerId.get(p.producerId) : undefined;
        failures.push({
          at,
          participantId: known?.participantId ?? actor,
          kind: known?.kind ?? p.kind ?? null,
          code: p.code ?? "UNKNOWN",
          ...(p.errorId ? { errorId: p.errorId } : {}),
        });
        break;
      }
      case "recording.failed":
        // The whole survey's recorder failed: it concerns every track.
        failures.push({ at, participantId: null, kind: null, code: p.code ?? "UNKNOWN", ...(p.errorId ? { errorId: p.errorId } : {}) });
        break;
      case "recording.track.recovered": {
        const known = p.producerId ? byProducerId.get(p.producerId) : undefined;
        const who = known?.participantId ?? actor;
        const kind = known?.kind ?? p.kind;
        if (who && kind && p.gapFrom && p.gapTo) recoveries.push({ participantId: who, kind, span: [t(p.gapFrom), t(p.gapTo)] });
        break;
      }
    }
  }
  for (const producer of open.values()) endProducer(producer, closedAt);
  return { producers, failures, recoveries };
}

/** A recording's written stretches: start to stop, minus its pauses and gaps. */
function coveredSpans(r: CompletenessInput["recordings"][number], closedAt: number): Span[] {
  const entries = r.continuity;
  if (entries.length === 0) return [];
  const start = t(entries[0]!.at);
  const stop = entries.find((e) => e.type === "stop");
  // Without a stop (cut off), only what the log and the file's length vouch for.
  const lastSeen = Math.max(...entries.map((e) => t(e.until ?? e.at)));
  const end = stop ? t(stop.at) : Math.min(closedAt, Math.max(lastSeen, start + r.durationMs));
  const holes: Span[] = [];
  let pausedAt: number | null = null;
  for (const e of entries.slice(1)) {
    if (e.type === "pause" && pausedAt === null) pausedAt = t(e.at);
    else if (e.type === "resume" && pausedAt !== null) {
      holes.push([pausedAt, t(e.at)]);
      pausedAt = null;
    } else if (e.type === "gap" && e.until) holes.push([t(e.at), t(e.until)]);
  }
  if (pausedAt !== null) holes.push([pausedAt, end]);
  return subtract([[start, end]], holes);
}

interface GapContext {
  consentAt: number;
  expected: Span[];
  recordings: CompletenessInput["recordings"];
  failures: Failure[];
  recoveries: Recovery[];
  neverRecorded: boolean;
}

// 'tail-not-written' and 'no-frames' are only ever in logs written since the
// recorder measured its files at the stop; on every older log the result is
// what it was, so the algorithm keeps its name.
const CONTINUITY_CAUSES: Partial<Record<string, GapCause>> = {
  "muxer-restart": "muxer-restart",
  rejoin: "rejoin",
  replaced: "replaced",
  "packet-loss": "packet-loss",
  network: "network",
  "tail-not-written": "tail-not-written",
  "no-frames": "no-frames",
};

/** The continuity log's cause of an entry: its own `cause`, or the first word of the reason older packages carry. */
function entryCause(e: { cause?: string; reason?: string }): string | undefined {
  if (e.cause) return e.cause;
  const m = /^(?:after a \d+ ms gap \()?([a-z-]+)/.exec(e.reason ?? "");
  return m?.[1];
}

function describeGap(span: Span, ctx: GapContext): CompletenessGap {
  const [a, b] = span;
  const near = (x: number, y: number) => Math.abs(x - y) <= GAP_TOLERANCE_MS;
  const fails = ctx.failures.filter((f) => f.at >= a - GAP_TOLERANCE_MS && f.at <= b + GAP_TOLERANCE_MS);
  let continuityCause: GapCause | undefined;
  let stopCause: string | undefined;
  let startUp = false;
  for (const r of ctx.recordings) {
    const entries = r.continuity;
    for (const e of entries) {
      const c = CONTINUITY_CAUSES[entryCause(e) ?? ""];
      if (e.type === "gap" && e.until && overlaps(span, [t(e.at), t(e.until)]) && c) continuityCause ??= c;
      // A file that opens after a hole (rejoin, muxer restart) tells the hole's cause on its start.
      if (e === entries[0] && near(t(e.at), b) && c) continuityCause ??= c;
      if (e.type === "stop" && near(t(e.at), a)) stopCause ??= entryCause(e) ?? "unknown";
    }
    if (entries[0] && near(t(entries[0].at), b) && ctx.expected.some(([ea]) => ea === a)) startUp = true;
  }
  if (ctx.recoveries.some((r) => overlaps(span, r.span) || near(r.span[1], b))) continuityCause ??= "muxer-restart";

  const codes = [...new Set(fails.map((f) => f.code))];
  const errorIds = [...new Set(fails.flatMap((f) => (f.errorId ? [f.errorId] : [])))];
  let cause: GapCause;
  let reason: string;
  if (fails.length) {
    cause = "recording-failed";
    reason = `recording failed: ${codes.join(", ")}${errorIds.length ? ` (error id ${errorIds.join(", ")})` : ""}`;
    if (continuityCause) reason += `; resumed after ${continuityCause}`;
    else if (ctx.neverRecorded) reason += "; never recorded";
  } else if (continuityCause) {
    cause = continuityCause;
    reason = CAUSE_TEXT[continuityCause];
  } else if (stopCause && stopCause !== "producer-closed" && stopCause !== "recorder-closed") {
    cause = "recording-stopped";
    reason = `${CAUSE_TEXT["recording-stopped"]} (${stopCause})`;
  } else if (startUp) {
    cause = "start-up";
    reason = CAUSE_TEXT["start-up"];
  } else if (ctx.neverRecorded) {
    cause = "not-recorded";
    reason = CAUSE_TEXT["not-recorded"];
  } else {
    cause = "unknown";
    reason = CAUSE_TEXT.unknown;
  }
  return {
    from: isoOf(a),
    to: isoOf(b),
    fromOffset: offset(a - ctx.consentAt, Math.floor),
    toOffset: offset(b - ctx.consentAt, Math.ceil),
    ms: b - a,
    cause,
    reason,
    codes,
    errorIds,
    tolerated: b - a < GAP_TOLERANCE_MS,
    ...(cause === "recording-failed" && continuityCause ? { resumedAfter: continuityCause } : {}),
  };
}

const CAUSE_TEXT: Record<GapCause, string> = {
  "recording-failed": "recording failed",
  "muxer-restart": "the recorder restarted (muxer restart); the track resumed in a new file",
  rejoin: "the participant rejoined; the track resumed in a new file",
  replaced: "the camera or microphone was replaced",
  "packet-loss": "media packets were lost on the way to the server",
  "recording-stopped": "the recording stopped early",
  "start-up": "recording start-up (muxer start, first keyframe)",
  "not-recorded": "never recorded, and no failure was logged",
  unknown: "no recording covers it and no failure was logged",
  network: "the participant's network connection broke; the call recovered by itself (ICE restart)",
  "tail-not-written": "the recorder did not write the last media it received before the track stopped (it fell behind on a busy server)",
  "no-frames": "the video has no picture: the sender stopped sending the picture being recorded (a loaded phone drops its best layer) until the server had a whole picture of another",
};

function offset(ms: number, round: (x: number) => number): string {
  const s = Math.max(0, round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [h, m, s % 60].map((n) => String(n).padStart(2, "0")).join(":");
}

/** Recomputes completeness from a package's survey.json (parsed) and events.jsonl (bytes). */
export function completenessFromPackageFiles(survey: unknown, events: Buffer): CompletenessReport {
  let lines: unknown[];
  try {
    lines = events.toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as unknown);
  } catch {
    return unknownCompleteness("no-survey-record");
  }
  const parsed = completenessInputSchema.safeParse({ ...(survey && typeof survey === "object" ? survey : {}), events: lines });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return unknownCompleteness("no-survey-record", `survey.json cannot be read as a survey record (${issue?.path.join(".")}: ${issue?.message})`);
  }
  return computeCompleteness(parsed.data);
}
