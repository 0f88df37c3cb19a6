"use client";
// A join that failed (camera refused, no camera, the server not answering in time): the reason
// in the page's language and the retry. One card for the phone's join page and the agent's
// console; the error's own message stays out of sight (it may be the browser's or the server's words).
import type { CallSnapshot, SurveyCall } from "../../_lib/call/survey-call";
import { useI18n } from "../../_i18n/i18n-provider";

export function CallErrorCard({ call, error }: { call: SurveyCall; error: CallSnapshot["error"] }) {
  const { t } = useI18n();
  return (
    <section className="card" data-testid="call-error" data-code={error?.code}>
      <p className="error">{error?.code === "PERMISSION_DENIED" ? t("join.permissionDenied") : error?.code === "NO_MEDIA" ? t("join.noMedia") : t("common.error")}</p>
      <button type="button" onClick={() => void call.start()}>
        {t("common.retry")}
      </button>
    </section>
  );
}
