"use client";
// The link an insurer publishes (app, WeChat page, QR code, SMS): the driver
// says who they are and joins the video queue, then waits on /report/wait/<token>.
// No mobile one-time code yet: the queue core has none (see the report of branch queueui).
import { use, useState } from "react";
import { useRouter } from "next/navigation";
import { errorCode, trpc } from "../../_lib/trpc-client";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { LanguageSwitch } from "../../_components/language-switch";

const claimTypes = ["motor_collision", "motor_theft", "motor_glass", "motor_other", "property"] as const;

export default function ReportPage({ params }: { params: Promise<{ queue: string }> }) {
  const { queue } = use(params);
  const { t, locale } = useI18n();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? "").trim();
    setBusy(true);
    setProblems([]);
    try {
      const { entryToken } = await trpc.queue.enter.mutate({
        queue: decodeURIComponent(queue),
        policyholderMobile: s("mobile"),
        policyNumber: s("policyNumber") || undefined,
        plate: s("plate") || undefined,
        claimType: s("claimType") as (typeof claimTypes)[number],
        language: s("language") === "en" ? "en" : "zh-CN",
      });
      router.push(`/report/wait/${entryToken}`);
    } catch (err) {
      // The server names each field in the page's language.
      const fields = (err as { data?: { fieldErrors?: Record<string, string[]> | null } }).data?.fieldErrors;
      setProblems(fields ? Object.values(fields).flat() : [errorCode(err) === "NOT_FOUND" ? t("report.noQueue") : t("common.error")]);
      setBusy(false);
    }
  }

  return (
    <main className="page join narrow">
      <div className="topbar">
        <h1>{t("report.title")}</h1>
        <LanguageSwitch />
      </div>
      <section className="card">
        <p>{t("report.intro")}</p>
        <form onSubmit={submit} data-testid="report-form">
          <label>
            {t("claim.policyholderMobile")}
            <input name="mobile" required inputMode="tel" autoComplete="tel" placeholder="13800138000" data-testid="report-mobile" />
          </label>
          <p className="muted">{t("report.policyOrPlate")}</p>
          <label>
            {t("claim.policyNumber")}
            <input name="policyNumber" data-testid="report-policy" />
          </label>
          <label>
            {t("claim.plate")}
            <input name="plate" data-testid="report-plate" />
          </label>
          <label>
            {t("claim.claimType")}
            <select name="claimType" defaultValue="motor_collision" data-testid="report-claim-type">
              {claimTypes.map((c) => (
                <option key={c} value={c}>{t(`claimType.${c}` as MessageKey)}</option>
              ))}
            </select>
          </label>
          <label>
            {t("report.language")}
            <select name="language" key={locale} defaultValue={locale} data-testid="report-language">
              <option value="zh-CN">{t("report.language.zh-CN")}</option>
              <option value="en">{t("report.language.en")}</option>
            </select>
          </label>
          {problems.length > 0 && (
            <ul className="error" role="alert" data-testid="report-problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <button className="primary" type="submit" disabled={busy} data-testid="report-submit">
            {t("report.submit")}
          </button>
        </form>
      </section>
    </main>
  );
}
