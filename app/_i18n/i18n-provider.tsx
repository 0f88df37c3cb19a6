"use client";
// The language comes from the `lang` cookie if the user chose one, otherwise
// from the browser; every screen can switch it.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { messages, type Locale, type MessageKey } from "./messages";

interface I18n {
  locale: Locale;
  t: (key: MessageKey) => string;
  setLocale: (l: Locale) => void;
}

const I18nContext = createContext<I18n | null>(null);

function detect(): Locale {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("lang="))?.slice(5);
  if (cookie === "en" || cookie === "zh-CN") return cookie;
  return navigator.languages?.some((l) => l.toLowerCase().startsWith("zh")) || navigator.language?.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

export function I18nProvider({ children, initial }: { children: ReactNode; initial: Locale }) {
  const [locale, setLocaleState] = useState<Locale>(initial);
  useEffect(() => setLocaleState(detect()), []);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((l: Locale) => {
    document.cookie = `lang=${l}; path=/; max-age=31536000; samesite=lax`;
    setLocaleState(l);
  }, []);
  const t = useCallback((key: MessageKey) => messages[locale][key] ?? key, [locale]);
  return <I18nContext.Provider value={{ locale, t, setLocale }}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}
