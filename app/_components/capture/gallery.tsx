"use client";
// Accepted photos beside the call, for everyone in it.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import type { CaptureWire } from "../../../server/signalling/protocol";
import { useI18n } from "../../_i18n/i18n-provider";

/**
 * An invitee's page trades its link token for a short-lived photo cookie that
 * only goes to /api/captures, so the token never appears in an image URL (proxy
 * logs, history). Renewed whenever a photo arrives; staff pages use their session.
 */
function usePhotoCookie(inviteToken: string | undefined, renewKey: number): boolean {
  const [ready, setReady] = useState(!inviteToken);
  useEffect(() => {
    if (!inviteToken || renewKey === 0) return;
    let live = true;
    fetch("/api/captures/viewer", { method: "POST", headers: { "X-Invite-Token": inviteToken }, credentials: "same-origin" }).then(
      (r) => live && r.ok && setReady(true),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [inviteToken, renewKey]);
  return ready;
}

export function Gallery({ call, load, inviteToken }: { call: SurveyCall; load: () => Promise<CaptureWire[]>; inviteToken?: string }) {
  const { t } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (s.phase === "in-call") void loadRef.current().then((list) => list.forEach((c) => call.addCapture(c)), () => undefined);
  }, [s.phase, call]);
  const accepted = s.captures.filter((c) => c.verdict === "accepted");
  const photosReady = usePhotoCookie(inviteToken, accepted.length);
  if (accepted.length === 0 || !photosReady) return null;
  return (
    <section className="card gallery-card" data-testid="gallery">
      <h2>{t("capture.gallery")}</h2>
      <div className="gallery">
        {accepted.map((c) => (
          <a key={c.id} href={`${c.thumbUrl}?size=large`} target="_blank" rel="noreferrer">
            <img src={c.thumbUrl} alt={t("capture.unknownItem")} data-testid="gallery-photo" data-item={c.itemKey} />
          </a>
        ))}
      </div>
    </section>
  );
}
