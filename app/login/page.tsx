"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { trpc } from "../_lib/trpc-client";
import { useI18n } from "../_i18n/i18n-provider";
import { LanguageSwitch } from "../_components/language-switch";

function LoginForm() {
  const { t } = useI18n();
  const router = useRouter();
  const next = useSearchParams().get("next");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const me = await trpc.auth.login.mutate({ email: String(form.get("email")), password: String(form.get("password")) });
      router.push(next && next.startsWith("/") && !next.startsWith("//") ? next : me.role === "auditor" ? "/audit" : "/console");
    } catch (err) {
      // Too many failures: the server says for how long log-in is locked.
      const retryAfter = (err as { data?: { retryAfterSeconds?: number | null } }).data?.retryAfterSeconds;
      setError(retryAfter ? t("login.locked").replace("{seconds}", String(retryAfter)) : t("login.failed"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="page narrow">
      <div className="topbar">
        <h1>{t("app.name")}</h1>
        <LanguageSwitch />
      </div>
      <form className="card" onSubmit={submit}>
        <h2>{t("login.title")}</h2>
        <label>
          {t("login.email")}
          <input name="email" type="email" autoComplete="username" required data-testid="login-email" />
        </label>
        <label>
          {t("login.password")}
          <input name="password" type="password" autoComplete="current-password" required data-testid="login-password" />
        </label>
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button className="primary" type="submit" disabled={busy} data-testid="login-submit">
          {t("login.submit")}
        </button>
      </form>
    </main>
  );
}

export default function LoginPage() {
  return (
    <Suspense>
      <LoginForm />
    </Suspense>
  );
}
