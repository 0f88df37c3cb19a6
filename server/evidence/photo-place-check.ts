// Does a photo's own record agree with the capture? The phone says when and
// where it took the photo (the capture's time and the fix it sent); the
// camera may have written its own time (EXIF DateTimeOriginal) and position
// (EXIF GPS) into the file. A photo whose EXIF time or position differs from
// the capture's by more than a set margin is flagged in the report: it may be
// an older picture, or one taken elsewhere. Part of the evidence library: it
// reads only the package input.

export interface PlaceCheckMargins {
  /** Seconds between the EXIF time and the capture's time. */
  timeS: number;
  /** Metres between the EXIF position and the capture's fix. */
  distanceM: number;
}

export const DEFAULT_PLACE_CHECK_MARGINS: PlaceCheckMargins = { timeS: 600, distanceM: 500 };

export type PhotoPlaceFinding =
  | {
      kind: "time";
      /** The camera's time as written ("YYYY-MM-DDTHH:mm:ss", offset when it wrote one). */
      exifTime: string;
      /** The zone a time without offset was read in (the report's), else null. */
      zoneAssumed: string | null;
      capturedAt: string;
      differenceS: number;
    }
  | { kind: "position"; distanceM: number; exif: { lat: number; lon: number }; capture: { lat: number; lon: number } };

export interface PhotoPlaceFacts {
  capturedAt: string;
  /** The phone's fix at the capture, when it had one. */
  fix?: { lat: number; lon: number } | null;
  exif?: { takenAt?: string | null; gps?: { lat: number; lon: number } | null } | null;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance (haversine) in metres. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const EXIF_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-]\d{2}:\d{2})?$/;

/**
 * The instant an EXIF time names. With its offset it is exact; without one
 * (most cameras) the wall time is read in `timeZone`, the survey's zone, and
 * the finding says so.
 */
export function exifInstant(exifTime: string, timeZone: string): { ms: number; zoneAssumed: string | null } | null {
  const m = EXIF_TIME.exec(exifTime);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, offset] = m;
  if (offset) {
    const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
    return Number.isNaN(ms) ? null : { ms, zoneAssumed: null };
  }
  const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!);
  if (Number.isNaN(wall)) return null;
  // The zone's offset at that moment (twice, so a time beside a DST change lands right).
  let ms = wall - zoneOffsetMs(wall, timeZone);
  ms = wall - zoneOffsetMs(ms, timeZone);
  return { ms, zoneAssumed: timeZone };
}

function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(at))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!, +parts.hour!, +parts.minute!, +parts.second!);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** What disagrees between a photo's EXIF and its capture, beyond the margins; empty when all agrees or nothing can be compared. */
export function photoPlaceFindings(facts: PhotoPlaceFacts, margins: PlaceCheckMargins, timeZone: string): PhotoPlaceFinding[] {
  const out: PhotoPlaceFinding[] = [];
  const takenAt = facts.exif?.takenAt;
  if (takenAt) {
    const exif = exifInstant(takenAt, timeZone);
    const captured = Date.parse(facts.capturedAt);
    if (exif && !Number.isNaN(captured)) {
      const differenceS = Math.round(Math.abs(exif.ms - captured) / 1000);
      if (differenceS > margins.timeS) out.push({ kind: "time", exifTime: takenAt, zoneAssumed: exif.zoneAssumed, capturedAt: facts.capturedAt, differenceS });
    }
  }
  const exifGps = facts.exif?.gps;
  if (exifGps && facts.fix) {
    const d = distanceM(exifGps, facts.fix);
    if (d > margins.distanceM) out.push({ kind: "position", distanceM: Math.round(d), exif: exifGps, capture: { lat: facts.fix.lat, lon: facts.fix.lon } });
  }
  return out;
}
