"use client";
import { useI18n } from "../_i18n/i18n-provider";

export function LanguageSwitch() {
  const { t, locale, setLocale } = useI18n();
  return (
    <button type="button" className="link-button" data-testid="language-switch" onClick={() => setLocale(locale === "en" ? "zh-CN" : "en")}>
      {t("lang.switch")}
    </button>
  );
}
