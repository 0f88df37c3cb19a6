"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { trpc } from "../_lib/trpc-client";
import { useI18n } from "../_i18n/i18n-provider";
import { LanguageSwitch } from "./language-switch";
import type { Staff } from "../_lib/use-staff";

export function StaffTopbar({ me }: { me: Staff | null }) {
  const { t } = useI18n();
  const router = useRouter();
  return (
    <header className="topbar">
      <h1>
        <Link href="/console">{t("console.title")}</Link>
      </h1>
      <nav style={{ display: "flex", gap: "1rem", alignItems: "center" }}>
        <Link href="/outbox">{t("console.outbox")}</Link>
        <span className="muted">{me?.name}</span>
        <LanguageSwitch />
        <button
          type="button"
          className="link-button"
          onClick={() => trpc.auth.logout.mutate().finally(() => router.replace("/login"))}
        >
          {t("common.logout")}
        </button>
      </nav>
    </header>
  );
}
