// Server-side use of the one message table (app/_i18n/messages.ts): the language of a
// request and the text of a key in it, for answers that reach a screen or a claims system.
import type { IncomingMessage } from "node:http";
import { parse as parseCookies } from "cookie";
import { messages, type Locale, type MessageKey } from "../../app/_i18n/messages";

export type { Locale, MessageKey };

export function isMessageKey(s: unknown): s is MessageKey {
  return typeof s === "string" && Object.hasOwn(messages.en, s);
}

/** The text of `key` in `locale`, with {name} placeholders filled in. */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  return messages[locale][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/**
 * The page's language (the `lang` cookie the language switch sets) or else the browser's
 * (Accept-Language, by preference); English otherwise, as the pages do.
 */
export function requestLocale(req: Pick<IncomingMessage, "headers">): Locale {
  const chosen = parseCookies(req.headers.cookie ?? "").lang;
  if (chosen === "en" || chosen === "zh-CN") return chosen;
  const ranked = String(req.headers["accept-language"] ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", ...params] = part.trim().toLowerCase().split(";");
      const q = Number(params.find((p) => p.trim().startsWith("q="))?.trim().slice(2) ?? 1);
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}
