"use client";
// The link an insurer publishes (app, WeChat page, QR code, SMS): the driver
// says who they are, confirms the mobile number with the one-time code sent to it
// by SMS, and joins the video queue, then waits on /report/wait/<token>.
import { use, useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { errorCode } from "../../_lib/trpc-client";
import { useTRPC, type ApiError } from "../../_lib/trpc-react";
import { useI18n } from "../../_i18n/i18n-provider";
import type { MessageKey } from "../../_i18n/messages";
import { LanguageSwitch } from "../../_components/language-switch";
import { fill } from "../../_i18n/fill";

const claimTypes = ["motor_collision", "motor_theft", "motor_glass", "motor_other", "property"] as const;
const codeRefusals = ["MOBILE_CODE_WRONG", "MOBILE_CODE_EXPIRED", "MOBILE_CODE_TRIES", "MOBILE_CODE_RATE"] as const;
/** What a refused call says on this page: each field's problem, a code refusal, or the generic sentence. */
function problemsOf(err: ApiError, t: (k: MessageKey) => string): string[] {
  const fields = err.data?.fieldErrors;
  if (fields) return Object.values(fields).flat();
  const code = errorCode(err);
  if (codeRefusals.includes(code as (typeof codeRefusals)[number])) return [t(`report.code.${code}` as MessageKey)];
  return [code === "NOT_FOUND" ? t("report.noQueue") : t("common.error")];
}

export default function ReportPage({ params }: { params: Promise<{ queue: string }> }) {
  const { queue } = use(params);
  const { t, locale } = useI18n();
  const router = useRouter();
  const trpc = useTRPC();
  const form = useRef<HTMLFormElement>(null);
  const [codeSent, setCodeSent] = useState<{ mobile: string; minutes: number } | null>(null);
  const [resendAt, setResendAt] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const resendIn = Math.max(0, Math.ceil((resendAt - now) / 1000));
  useEffect(() => {
    if (resendIn === 0) return;
    const timer = setTimeout(() => setNow(Date.now()), 1000);
    return () => clearTimeout(timer);
  }, [resendIn, now]);

  const sendCode = useMutation(
    trpc.queue.sendCode.mutationOptions({
      onSuccess: (sent, { policyholderMobile }) => {
        setCodeSent({ mobile: policyholderMobile, minutes: Math.round(sent.expiresInSec / 60) });
        setNow(Date.now());
        setResendAt(Date.now() + sent.resendAfterSec * 1000);
      },
    }),
  );
  // Entered, the page stays busy while the waiting screen loads.
  const enter = useMutation(trpc.queue.enter.mutationOptions({ onSuccess: ({ entryToken }) => router.push(`/report/wait/${entryToken}`) }));
  const busy = sendCode.isPending || enter.isPending || enter.isSuccess;
  // The server names each field in the page's language; a refused code comes as its code.
  // Only the last action's refusal shows: each one clears the other's.
  const failed = sendCode.error ?? enter.error;
  const problems = failed ? problemsOf(failed, t) : [];

  function requestCode() {
    const f = new FormData(form.current!);
    enter.reset();
    sendCode.mutate({ policyholderMobile: String(f.get("mobile") ?? "").trim(), language: String(f.get("language")) === "en" ? "en" : "zh-CN" });
  }

  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const s = (k: string) => String(f.get(k) ?? "").trim();
    sendCode.reset();
    enter.mutate({
      queue: decodeURIComponent(queue),
      policyholderMobile: s("mobile"),
      policyNumber: s("policyNumber") || undefined,
      plate: s("plate") || undefined,
      claimType: s("claimType") as (typeof claimTypes)[number],
      language: s("language") === "en" ? "en" : "zh-CN",
      mobileCode: s("mobileCode"),
    });
  }

  return (
    <main className="page join narrow">
      <div className="topbar">
        <h1>{t("report.title")}</h1>
        <LanguageSwitch />
      </div>
      <section className="card">
        <p>{t("report.intro")}</p>
        <form onSubmit={submit} ref={form} data-testid="report-form">
          <label>
            {t("claim.policyholderMobile")}
            <input name="mobile" required inputMode="tel" autoComplete="tel" placeholder="13800138000" data-testid="report-mobile" />
          </label>
          <button type="button" disabled={busy || resendIn > 0} onClick={requestCode} data-testid="report-send-code">
            {resendIn > 0 ? fill(t("report.resendIn"), { sec: resendIn }) : t("report.sendCode")}
          </button>
          {codeSent && (
            <p className="muted" data-testid="report-code-sent">
              {fill(t("report.codeSent"), { mobile: codeSent.mobile, min: codeSent.minutes })}
            </p>
          )}
          <label>
            {t("field.mobileCode")}
            <input name="mobileCode" required inputMode="numeric" autoComplete="one-time-code" maxLength={6} pattern="[0-9]{6}" data-testid="report-code" />
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
