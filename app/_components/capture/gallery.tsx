"use client";
// Accepted photos beside the call, for everyone in it.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import type { ReadOptions } from "../../_lib/trpc-react";
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

/** `captures` is the page's read of the survey's photos (the agent's procedure or the invitee's): `trpc.x.queryOptions(...)`. */
export function Gallery({ call, captures, inviteToken }: { call: SurveyCall; captures: ReadOptions<CaptureWire[]>; inviteToken?: string }) {
  const { t } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  // Read each time the call is (again) in progress; a failed read adds nothing.
  const { data, dataUpdatedAt, isFetchedAfterMount } = useQuery({ ...captures, enabled: s.phase === "in-call" });
  useEffect(() => {
    // Only an answer read for this call: a list cached before could be older than what the call holds.
    if (isFetchedAfterMount) data?.forEach((c) => call.addCapture(c));
    // Every answer counts (dataUpdatedAt), also one equal to the last.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataUpdatedAt, call]);
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
