"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useEffect } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../_lib/trpc-react";
import { useI18n } from "../_i18n/i18n-provider";
import { LanguageSwitch } from "../_components/language-switch";

function LoginForm() {
  const { t } = useI18n();
  const router = useRouter();
  const next = useSearchParams().get("next");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Nothing read before this page (a session since ended, perhaps another person's, or a
  // refusal for want of one) is shown after the log-in: the pages it leads to read afresh.
  useEffect(() => queryClient.removeQueries(), [queryClient]);
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (me) => router.push(next && next.startsWith("/") && !next.startsWith("//") ? next : me.role === "auditor" ? "/audit" : "/console"),
    }),
  );
  // Too many failures: the server says for how long log-in is locked.
  const retryAfter = login.error?.data?.retryAfterSeconds;
  const error = login.error ? (retryAfter ? t("login.locked").replace("{seconds}", String(retryAfter)) : t("login.failed")) : null;
  const busy = login.isPending;

  function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    login.mutate({ email: String(form.get("email")), password: String(form.get("password")) });
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
