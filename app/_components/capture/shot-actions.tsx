"use client";
// The agent's two actions on one shot of a list (the checklist, the identity step): send
// its guide to the phone, and take the photo from here. One cell, so both lists offer the
// same words and the same order.
import { useI18n } from "../../_i18n/i18n-provider";

export function ShotActions({ onGuide, onCapture, disabled, testIds = { guide: "push-guide", capture: "remote-capture" } }: { onGuide: () => void; onCapture: () => void; disabled: boolean; testIds?: { guide: string; capture: string } }) {
  const { t } = useI18n();
  return (
    <td style={{ whiteSpace: "nowrap" }}>
      <button type="button" data-testid={testIds.guide} disabled={disabled} onClick={onGuide}>
        {t("capture.guide")}
      </button>{" "}
      <button type="button" data-testid={testIds.capture} disabled={disabled} onClick={onCapture}>
        {t("capture.capture")}
      </button>
    </td>
  );
}
