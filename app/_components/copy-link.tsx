"use client";
import { useState } from "react";
import { useI18n } from "../_i18n/i18n-provider";

export function CopyLink({ url, testId }: { url: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <div style={{ display: "flex", gap: "0.5rem", alignItems: "center" }}>
      <code className="link" data-testid={testId}>
        {url}
      </code>
      <button
        type="button"
        onClick={() => navigator.clipboard?.writeText(url).then(() => setCopied(true), () => undefined)}
      >
        {copied ? t("common.copied") : t("common.copy")}
      </button>
    </div>
  );
}
