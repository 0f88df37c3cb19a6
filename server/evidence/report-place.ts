// The report's words for places (issue 15, point 4): where the phone was at
// the consent, each photo and the signature, or why that is unknown; the
// flag on a photo whose EXIF time or position disagrees with its capture; and
// a survey ended without the driver's signed statement. Kept apart from
// report-strings.ts so each table stays one job.
import type { Place } from "./package-input";
import type { PhotoPlaceFinding, PlaceCheckMargins } from "./photo-place-check";

type Locale = "zh-CN" | "en";
type When = (iso: string) => string;

const words = {
  en: {
    place: "Position of the phone",
    none: "not reported",
    refused: "not shared: the driver declined",
    unavailable: "not available: the phone had no position in time",
    unanswered: "not known: the driver had not yet been asked",
    accuracy: (m: number) => `±${Math.round(m)} m`,
    fixAt: (t: string) => `fix at ${t}`,
    exif: "Camera record (EXIF)",
    exifTime: (t: string) => `camera time ${t}`,
    exifZone: (z: string) => `(no zone written; read as ${z})`,
    exifGps: (lat: number, lon: number) => `GPS ${lat.toFixed(6)}, ${lon.toFixed(6)}`,
    check: "EXIF check",
    checkOk: (m: PlaceCheckMargins) => `agrees with the capture (margins ${minutes(m.timeS)} min, ${m.distanceM} m)`,
    checkNone: "nothing to compare (no EXIF time or position)",
    flag: "CHECK",
    timeFlag: (f: Extract<PhotoPlaceFinding, { kind: "time" }>, m: PlaceCheckMargins) =>
      `the camera time differs from the capture time by ${span(f.differenceS, "en")} (margin ${minutes(m.timeS)} min)`,
    positionFlag: (f: Extract<PhotoPlaceFinding, { kind: "position" }>, m: PlaceCheckMargins) =>
      `the camera's GPS position is ${distance(f.distanceM)} from the phone's position at the capture (margin ${m.distanceM} m)`,
    waived: (reason: string) => `Ended without a signed statement: ${reason}`,
    reasons: { driver_left: "the driver left the call", driver_refused: "the driver refused to sign", driver_unable: "the driver could not sign (phone or health)", other: "other reason" } as Record<string, string>,
    events: { "statement.waived": "Ended without a signed statement" } as Record<string, string>,
  },
  "zh-CN": {
    place: "手机位置",
    none: "未上报",
    refused: "未共享：驾驶人拒绝",
    unavailable: "无法获取：手机未能及时定位",
    unanswered: "未知：尚未询问驾驶人",
    accuracy: (m: number) => `误差 ±${Math.round(m)} 米`,
    fixAt: (t: string) => `定位时间 ${t}`,
    exif: "相机记录（EXIF）",
    exifTime: (t: string) => `相机时间 ${t}`,
    exifZone: (z: string) => `（未写时区，按 ${z} 解读）`,
    exifGps: (lat: number, lon: number) => `GPS ${lat.toFixed(6)}, ${lon.toFixed(6)}`,
    check: "EXIF 核对",
    checkOk: (m: PlaceCheckMargins) => `与拍摄记录一致（允许偏差 ${minutes(m.timeS)} 分钟、${m.distanceM} 米）`,
    checkNone: "无可核对内容（无 EXIF 时间或位置）",
    flag: "注意",
    timeFlag: (f: Extract<PhotoPlaceFinding, { kind: "time" }>, m: PlaceCheckMargins) =>
      `相机时间与拍摄时间相差 ${span(f.differenceS, "zh-CN")}（允许偏差 ${minutes(m.timeS)} 分钟）`,
    positionFlag: (f: Extract<PhotoPlaceFinding, { kind: "position" }>, m: PlaceCheckMargins) =>
      `相机 GPS 位置与拍摄时手机位置相距 ${distance(f.distanceM)}（允许偏差 ${m.distanceM} 米）`,
    waived: (reason: string) => `未签署声明即结束：${reason}`,
    reasons: { driver_left: "驾驶人已离开通话", driver_refused: "驾驶人拒绝签名", driver_unable: "驾驶人无法签名（手机或身体原因）", other: "其他原因" } as Record<string, string>,
    events: { "statement.waived": "未签署声明即结束" } as Record<string, string>,
  },
};

export function placeWords(locale: Locale) {
  return words[locale];
}

function minutes(s: number) {
  return Number((s / 60).toFixed(1));
}

function distance(m: number) {
  return m >= 10_000 ? `${(m / 1000).toFixed(0)} km` : m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${m} m`;
}

function span(s: number, locale: Locale) {
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = locale === "en" ? [d && `${d} d`, h && `${h} h`, `${m} min`] : [d && `${d} 天`, h && `${h} 小时`, `${m} 分钟`];
  return parts.filter(Boolean).join(" ");
}

/** "31.230416, 121.473701 (±8 m, fix at …)" or why there is no position. */
export function placeText(place: Place | undefined, locale: Locale, when: When): string {
  const w = words[locale];
  if (!place) return w.none;
  if (place.status !== "fix") return w[place.status];
  const extra = [place.accuracyM !== undefined ? w.accuracy(place.accuracyM) : "", place.at ? w.fixAt(when(place.at)) : ""].filter(Boolean).join(", ");
  return `${place.lat.toFixed(6)}, ${place.lon.toFixed(6)}${extra ? ` (${extra})` : ""}`;
}

/** The camera's own time and position as one line, or null when the file carries neither. */
export function exifText(exif: { takenAt?: string; gps?: { lat: number; lon: number } } | undefined, locale: Locale, zone: string): string | null {
  if (!exif || (!exif.takenAt && !exif.gps)) return null;
  const w = words[locale];
  const time = exif.takenAt ? `${w.exifTime(exif.takenAt.replace("T", " "))}${/[+-]\d{2}:\d{2}$/.test(exif.takenAt) ? "" : ` ${w.exifZone(zone)}`}` : "";
  return [time, exif.gps ? w.exifGps(exif.gps.lat, exif.gps.lon) : ""].filter(Boolean).join("; ");
}

export function findingText(f: PhotoPlaceFinding, locale: Locale, margins: PlaceCheckMargins): string {
  const w = words[locale];
  return `${w.flag}${locale === "zh-CN" ? "：" : ": "}${f.kind === "time" ? w.timeFlag(f, margins) : w.positionFlag(f, margins)}`;
}

/** "Ended without a signed statement: the driver left the call — <note>" from a statement.waived event's payload. */
export function waivedText(payload: unknown, locale: Locale): string {
  const w = words[locale];
  const p = (payload && typeof payload === "object" ? payload : {}) as Record<string, unknown>;
  const reason = (typeof p.reason === "string" && w.reasons[p.reason]) || w.reasons.other!;
  const note = typeof p.note === "string" && p.note.trim() ? ` — “${p.note.trim()}”` : "";
  return w.waived(reason + note);
}
