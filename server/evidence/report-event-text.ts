// The report's timeline in words: each event's name and a short sentence of
// its details in the report's language. The raw payload stays byte for byte in
// events.jsonl (and under the Merkle root); the PDF is for a person, so it
// never prints a key, a code or JSON.
import type { PackageInput, TimelineEvent } from "./package-input";
import type { ReportStrings } from "./report-strings";
import { waivedText } from "./report-place";

export interface EventTextContext {
  s: ReportStrings;
  /** A person's name and role, from a participant or staff account id. */
  who: (id: string | null | undefined) => string;
  when: (iso: string) => string;
  item: (key: unknown) => string;
  /** The report's language, for details worded outside report-strings.ts (report-place.ts). */
  locale?: "zh-CN" | "en";
}

export function eventName(type: string, s: ReportStrings): string {
  return s.events[type] ?? s.otherEvent;
}

/** The actor column: a named person, else the acting system in words. */
export function eventActor(e: TimelineEvent, ctx: EventTextContext): string {
  if (e.actorId) {
    const named = ctx.who(e.actorId);
    if (named !== e.actorId) return named;
  }
  const role = e.actorRole ?? "system";
  return ctx.s.roles[role] ?? ctx.s.actorRoles[role] ?? ctx.s.actorRoles.system!;
}

export function eventDetails(e: TimelineEvent, ctx: EventTextContext): string {
  const { s } = ctx;
  const d = s.detail;
  const p = (e.payload && typeof e.payload === "object" && !Array.isArray(e.payload) ? e.payload : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const parts: string[] = [];
  switch (e.type) {
    case "survey.created":
      if (str(p.claimNumber)) parts.push(d.claim(str(p.claimNumber)));
      break;
    case "survey.closed":
      parts.push(d.closedBecause[str(p.reason)] ?? d.otherReason);
      break;
    case "invite.created":
      parts.push(d.linkFor(s.roles[str(p.role)] ?? ""));
      if (str(p.sentTo)) parts.push(d.sentTo(str(p.sentTo)));
      if (str(p.expiresAt)) parts.push(d.validUntil(ctx.when(str(p.expiresAt))));
      break;
    case "sms.queued":
      if (str(p.role)) parts.push(d.linkFor(s.roles[str(p.role)] ?? ""));
      if (str(p.to)) parts.push(d.sentTo(str(p.to)));
      break;
    case "participant.joined":
      if (p.rejoin === true) parts.push(d.rejoined);
      break;
    case "statement.requested":
    case "statement.signed":
    case "statement.confirmed":
      if (str(p.role)) parts.push(d.confirmedAs(s.roles[str(p.role)] ?? ""));
      if (str(p.statementSha256)) parts.push(d.statementHash(str(p.statementSha256)));
      if (str(p.imageSha256)) parts.push(d.signatureHash(str(p.imageSha256)));
      break;
    case "statement.waived":
      parts.push(waivedText(p, ctx.locale ?? "en"));
      break;
    case "participant.left":
      parts.push(d.leftBecause[str(p.reason)] ?? d.otherReason);
      break;
    case "media.track.started":
    case "media.track.paused":
    case "media.track.resumed":
    case "media.track.stopped":
    case "recording.track.started":
      if (str(p.kind)) parts.push(s.kinds[str(p.kind)] ?? "");
      break;
    case "recording.track.finalised":
      if (str(p.kind)) parts.push(s.kinds[str(p.kind)] ?? "");
      if (typeof p.durationMs === "number") parts.push(`${s.duration} ${(p.durationMs / 1000).toFixed(1)} s`);
      if (str(p.sha256)) parts.push(`${s.sha256} ${str(p.sha256)}`);
      break;
    case "recording.finalised":
      if (typeof p.tracks === "number") parts.push(d.tracks(p.tracks));
      break;
    case "chat.message":
      if (str(p.text)) parts.push(`“${str(p.text)}”`);
      break;
    case "recording.consent":
      parts.push(s.consentDecision[p.accepted === true ? "accepted" : "refused"]!);
      if (str(p.noticeVersion)) parts.push(d.noticeVersion(str(p.noticeVersion)));
      break;
    case "recording.started":
      parts.push(d.startedBecause[str(p.why)] ?? d.otherReason);
      break;
    case "recording.failed":
      parts.push(d.failedBecause[str(p.code)] ?? d.otherFailure);
      break;
    case "guide.pushed":
    case "capture.requested":
      parts.push(ctx.item(p.itemKey));
      break;
    case "capture.assessed":
    case "capture.provisional": {
      parts.push(ctx.item(p.itemKey));
      parts.push(s.verdicts[p.verdict === "accepted" ? "pass" : "fail"]!);
      const reasons = Array.isArray(p.reasons) ? p.reasons.filter((r): r is string => typeof r === "string") : [];
      if (reasons.length) parts.push(`${d.reasons}: ${reasons.map((r) => s.scoreNames[r] ?? d.otherReason).join(", ")}`);
      if (p.disagrees === true) parts.push(d.disagrees);
      break;
    }
    case "capture.overridden":
      parts.push(ctx.item(p.itemKey));
      if (str(p.reason)) parts.push(`“${str(p.reason)}”`);
      break;
    case "identity.read":
      parts.push(`${s.identityNameRead} ${str(p.name) || s.identityNotRead}`, `${s.identityNumberRead} ${str(p.idNumber) || s.identityNotRead}`);
      break;
    case "identity.attested":
      parts.push(s.identityDecisions[str(p.decision)] ?? "");
      if (str(p.reason)) parts.push(`“${str(p.reason)}”`);
      break;
    case "evidence.building":
      if (p.restarted === true) parts.push(d.restarted);
      break;
    case "evidence.ready":
      if (typeof p.files === "number") parts.push(d.files(p.files));
      break;
  }
  return parts.filter(Boolean).join(" · ");
}

/** A checklist item by its name in the report's language; a key without a name is shown as such. */
export function checklistItemName(input: Pick<PackageInput, "checklistLabels">, key: unknown): string {
  const k = typeof key === "string" ? key : "";
  return input.checklistLabels?.[k] ?? k;
}
