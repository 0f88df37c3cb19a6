// Where the driver's phone was when they answered the recording notice, took
// a photo or signed (issue 15, point 4), as the phone reports it: a fix
// (position, accuracy and the fix's own time), or why there is none. The
// driver is asked once; a refusal or a phone without a fix is recorded as
// such and never holds anything up. Only zod here: the pages read it too.
import { z } from "zod";

export const placeStatuses = ["fix", "refused", "unavailable", "unanswered"] as const;
export type PlaceStatus = (typeof placeStatuses)[number];

export const placeFixSchema = z.object({
  status: z.literal("fix"),
  lat: z.number().finite().min(-90).max(90),
  lon: z.number().finite().min(-180).max(180),
  /** Metres (the Geolocation API's 95 % radius). */
  accuracyM: z.number().finite().nonnegative().max(1_000_000),
  /** When the phone took the fix (its clock), ISO 8601. */
  at: z.iso.datetime({ offset: true }),
});

/** What the phone sends beside the consent, a photo or the signature. */
export const placeReportSchema = z.discriminatedUnion("status", [
  placeFixSchema,
  /** refused: the driver said no (on our question or the browser's); unavailable: no fix in time; unanswered: not asked yet. */
  z.object({ status: z.enum(["refused", "unavailable", "unanswered"]) }),
]);
export type PlaceReport = z.infer<typeof placeReportSchema>;
export type PlaceFix = z.infer<typeof placeFixSchema>;

/** The database's columns for a place (one prefix per table), null when nothing was reported. */
export interface PlaceColumns {
  status: string | null;
  lat: number | null;
  lon: number | null;
  accuracy: number | null;
  at: Date | null;
}

export function placeToColumns(p: PlaceReport | null | undefined): PlaceColumns {
  if (!p) return { status: null, lat: null, lon: null, accuracy: null, at: null };
  if (p.status !== "fix") return { status: p.status, lat: null, lon: null, accuracy: null, at: null };
  return { status: "fix", lat: p.lat, lon: p.lon, accuracy: p.accuracyM, at: new Date(p.at) };
}

/** A stored place: a fix may lack accuracy or time when it came from an older row or an API upload. */
export type PlaceRecord = { status: "fix"; lat: number; lon: number; accuracyM: number | null; at: string | null } | { status: "refused" | "unavailable" | "unanswered" };

/** The stored place back; null when nothing was reported (a row from before places were kept). */
export function placeFromColumns(c: PlaceColumns): PlaceRecord | null {
  if ((c.status === "fix" || c.status === null) && c.lat != null && c.lon != null) {
    return { status: "fix", lat: c.lat, lon: c.lon, accuracyM: c.accuracy, at: c.at?.toISOString() ?? null };
  }
  if (c.status === "refused" || c.status === "unavailable" || c.status === "unanswered") return { status: c.status };
  return null;
}
