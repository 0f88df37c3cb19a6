import type { Metadata, Viewport } from "next";
import { cookies, headers } from "next/headers";
import { I18nProvider } from "./_i18n/i18n-provider";
import type { Locale } from "./_i18n/messages";
import { PageLoadRecovery } from "./_components/page-load-recovery";
import { PageAlive } from "./_components/page-alive";
import { TRPCQueryProvider } from "./_lib/trpc-react";
import "./globals.css";

export const metadata: Metadata = { title: "Remote Claims Survey · 远程视频查勘" };
export const viewport: Viewport = { width: "device-width", initialScale: 1, viewportFit: "cover" };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const chosen = (await cookies()).get("lang")?.value;
  const accept = ((await headers()).get("accept-language") ?? "").toLowerCase();
  const initial: Locale = chosen === "en" || chosen === "zh-CN" ? chosen : accept.startsWith("zh") ? "zh-CN" : "en";
  return (
    <html lang={initial}>
      <head>
        <PageLoadRecovery locale={initial} />
      </head>
      <body>
        <PageAlive />
        <I18nProvider initial={initial}>
          <TRPCQueryProvider>{children}</TRPCQueryProvider>
        </I18nProvider>
      </body>
    </html>
  );
}
