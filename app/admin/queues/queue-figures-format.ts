// How the wallboard words its numbers in the admin's language: shares as
// percentages, durations in seconds or minutes and seconds, "—" where there is
// nothing to count yet (a rate over no calls is not 0 %).
import type { Locale, MessageKey } from "../../_i18n/messages";

type T = (key: MessageKey) => string;

export function percent(share: number | null, locale: Locale, t: T): string {
  if (share === null) return t("wallboard.none");
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(share);
}

export function duration(sec: number | null, t: T): string {
  if (sec === null) return t("wallboard.none");
  const whole = Math.round(sec);
  if (whole < 60) return t("wallboard.seconds").replace("{sec}", String(whole));
  return t("wallboard.minutes").replace("{min}", String(Math.floor(whole / 60))).replace("{sec}", String(whole % 60));
}

/** A queue's name for people: its label in the admin's language, else its technical name. */
export function queueTitle(q: { name: string; label: Record<string, string> }, locale: Locale): string {
  return q.label[locale] || q.name;
}
