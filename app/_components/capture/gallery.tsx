"use client";
// Accepted photos beside the call, for everyone in it.
import { useEffect, useRef, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import type { CaptureWire } from "../../../server/signalling/protocol";
import { useI18n } from "../../_i18n/i18n-provider";

export function Gallery({ call, load, inviteToken }: { call: SurveyCall; load: () => Promise<CaptureWire[]>; inviteToken?: string }) {
  const { t } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (s.phase === "in-call") void loadRef.current().then((list) => list.forEach((c) => call.addCapture(c)), () => undefined);
  }, [s.phase, call]);
  const accepted = s.captures.filter((c) => c.verdict === "accepted");
  if (accepted.length === 0) return null;
  const q = inviteToken ? `?invite=${encodeURIComponent(inviteToken)}` : "";
  return (
    <section className="card gallery-card" data-testid="gallery">
      <h2>{t("capture.gallery")}</h2>
      <div className="gallery">
        {accepted.map((c) => (
          <a key={c.id} href={`${c.thumbUrl}${q ? `${q}&` : "?"}size=large`} target="_blank" rel="noreferrer">
            <img src={`${c.thumbUrl}${q}`} alt={t("capture.unknownItem")} data-testid="gallery-photo" data-item={c.itemKey} />
          </a>
        ))}
      </div>
    </section>
  );
}
