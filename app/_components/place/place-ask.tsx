"use client";
// The driver's one question about their position, with the reason, shown
// before the browser's own prompt (app/_lib/place/phone-place.ts). Saying no
// is recorded as such and the survey goes on.
import { useEffect, useState, useSyncExternalStore } from "react";
import { useI18n } from "../../_i18n/i18n-provider";
import { phonePlace } from "../../_lib/place/phone-place";

export function PlaceAsk() {
  const { t } = useI18n();
  const s = useSyncExternalStore(phonePlace.subscribe, phonePlace.snapshot, phonePlace.snapshot);
  const [answered, setAnswered] = useState(false);
  useEffect(() => {
    void phonePlace.init();
  }, []);
  if (s.refused && answered) {
    return (
      <p className="banner place-refused" data-testid="place-refused" role="status">
        {t("place.refused")}
      </p>
    );
  }
  if (!s.needsAsk) return null;
  return (
    <section className="card place-ask" role="dialog" aria-labelledby="place-ask-title" data-testid="place-ask">
      <h2 id="place-ask-title">{t("place.title")}</h2>
      <p>{t("place.why")}</p>
      <div className="controls">
        <button
          type="button"
          className="primary"
          data-testid="place-allow"
          onClick={() => {
            setAnswered(true);
            void phonePlace.allow();
          }}
        >
          {t("place.allow")}
        </button>
        <button
          type="button"
          data-testid="place-decline"
          onClick={() => {
            setAnswered(true);
            phonePlace.decline();
          }}
        >
          {t("place.decline")}
        </button>
      </div>
    </section>
  );
}
