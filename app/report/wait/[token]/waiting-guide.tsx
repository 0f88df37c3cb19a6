"use client";
// What the driver sees and can do while waiting: the queue's own waiting video
// if it has one, else the built-in guide (safety first, then the photos they can
// already take, each with its checklist picture). A photo taken here is kept on
// the phone (IndexedDB, under this entry's token, which becomes the survey's
// link once an agent answers); the join page of that link sends it through the
// same quick check, upload and quality gate as any photo of the call, so it
// ends up in the survey's evidence without a survey having to exist yet.
import { useCallback, useEffect, useState } from "react";
import { outboxFor } from "../../../_lib/capture/photo-outbox";
import { phonePlace } from "../../../_lib/place/phone-place";
import { useI18n } from "../../../_i18n/i18n-provider";
import { fill } from "../../../_i18n/fill";

const safetyKeys = ["queue.safety.hazard", "queue.safety.triangle", "queue.safety.people", "queue.safety.injury"] as const;

export interface Guide {
  videoUrl: string | null;
  photoItems: { key: string; label: Record<string, string>; instruction: Record<string, string>; overlay: string | null }[];
}

export function WaitingGuide({ token, guide }: { token: string; guide: Guide }) {
  const { t, locale } = useI18n();
  const [kept, setKept] = useState<{ key: string; itemKey: string }[] | null>(null);
  const [failed, setFailed] = useState(false);
  const recount = useCallback(() => {
    outboxFor(token).kept().then(setKept, () => setKept([]));
  }, [token]);
  useEffect(recount, [recount]);

  async function take(itemKey: string, file: File | undefined) {
    if (!file) return;
    setFailed(false);
    try {
      await outboxFor(token).hold({ original: file, itemKey, capturedAt: new Date(file.lastModified || Date.now()), place: phonePlace.now() });
    } catch {
      setFailed(true);
    }
    recount();
  }

  return (
    <section className="card" data-testid="queue-safety">
      {guide.videoUrl && (
        <>
          <h2>{t("queue.video.title")}</h2>
          {/* Muted so the phone lets it start by itself; the driver may turn the sound on. */}
          <video data-testid="queue-video" src={guide.videoUrl} controls autoPlay muted playsInline loop style={{ width: "100%" }} />
        </>
      )}
      <h2>{t("queue.safety.title")}</h2>
      <ol>
        {safetyKeys.map((k) => (
          <li key={k}>{t(k)}</li>
        ))}
      </ol>
      {guide.photoItems.length > 0 ? (
        <div data-testid="queue-photos-now" data-kept={kept?.length ?? ""}>
          <h2>{t("queue.photosNow.title")}</h2>
          <ul className="plain">
            {guide.photoItems.map((item) => {
              const n = kept?.filter((k) => k.itemKey === item.key).length ?? 0;
              return (
                <li key={item.key} data-testid={`queue-photo-item-${item.key}`} data-kept={n}>
                  {item.overlay && <img src={item.overlay} alt="" width={64} height={48} />}
                  <strong>{item.label[locale] ?? item.key}</strong>
                  <p className="muted">{item.instruction[locale] ?? ""}</p>
                  <button type="button" onClick={(e) => (e.currentTarget.nextElementSibling as HTMLInputElement | null)?.click()}>
                    {t("queue.photosNow.take")}
                  </button>
                  {/* The phone's own camera: a still, no call needed yet. */}
                  <input
                    type="file"
                    accept="image/jpeg,image/*"
                    capture="environment"
                    hidden
                    data-testid={`queue-photo-input-${item.key}`}
                    onChange={(e) => {
                      void take(item.key, e.target.files?.[0]);
                      e.target.value = "";
                    }}
                  />
                </li>
              );
            })}
          </ul>
          {kept && kept.length > 0 && <p className="banner ok" data-testid="queue-photos-kept">{fill(t("queue.photosNow.kept"), { n: kept.length })}</p>}
          {failed && <p className="error" role="alert">{t("queue.photosNow.failed")}</p>}
        </div>
      ) : (
        <p className="muted">{t("queue.photos.hint")}</p>
      )}
    </section>
  );
}
