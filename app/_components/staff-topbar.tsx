"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../_lib/trpc-react";
import { useI18n } from "../_i18n/i18n-provider";
import type { MessageKey } from "../_i18n/messages";
import { LanguageSwitch } from "./language-switch";
import type { Staff } from "../_lib/use-staff";

export function StaffTopbar({ me }: { me: Staff | null }) {
  const { t } = useI18n();
  const router = useRouter();
  const trpc = useTRPC();
  // The login page drops what this session read (app/login/page.tsx).
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSettled: () => router.replace("/login") }));
  return (
    <header className="topbar">
      <h1>
        <Link href={me?.role === "auditor" ? "/audit" : "/console"}>{me?.role === "auditor" ? t("audit.title") : t("console.title")}</Link>
      </h1>
      <nav style={{ display: "flex", gap: "1rem", alignItems: "center" }}>
        {(me?.role === "agent" || me?.role === "admin") && <Link href="/outbox">{t("console.outbox")}</Link>}
        {(me?.role === "auditor" || me?.role === "admin") && <Link href="/audit" data-testid="nav-archive">{t("audit.title")}</Link>}
        {me?.role === "admin" && <Link href="/admin/checklists" data-testid="nav-checklists">{t("checklists.nav")}</Link>}
        {me?.role === "admin" && <Link href="/admin/queues/wallboard" data-testid="nav-wallboard">{t("wallboard.nav")}</Link>}
        {me && <span className="muted" data-testid="staff-name">{me.name} · {t(`role.${me.role}` as MessageKey)}</span>}
        <LanguageSwitch />
        <button
          type="button"
          className="link-button"
          onClick={() => logout.mutate()}
        >
          {t("common.logout")}
        </button>
      </nav>
    </header>
  );
}
