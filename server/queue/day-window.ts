// "Today" in a time zone as an instant window [fromMs, toMs): the wallboard's
// day is the supervisor's calendar day, not the server's UTC one. Intl knows
// every IANA zone and its daylight-saving changes, so no date library is needed.

/** Whether Intl knows this IANA time zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function partsIn(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get("year"), month: get("month"), day: get("day"), hour: get("hour"), minute: get("minute"), second: get("second") };
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
function offsetMs(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant a local calendar day begins in the zone. */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  // Two rounds settle the offset even when midnight is near a daylight-saving change.
  let guess = wall - offsetMs(wall, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return guess;
}

export interface DayWindow {
  /** The local date, YYYY-MM-DD. */
  day: string;
  fromMs: number;
  toMs: number;
}

export function dayWindow(nowMs: number, timeZone: string): DayWindow {
  const p = partsIn(nowMs, timeZone);
  const next = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
  const pad = (n: number) => String(n).padStart(2, "0");
  return {
    day: `${p.year}-${pad(p.month)}-${pad(p.day)}`,
    fromMs: localMidnight(p.year, p.month, p.day, timeZone),
    toMs: localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone),
  };
}
