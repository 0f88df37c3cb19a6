"use client";
// The hint over the camera preview before the shutter ("hold still", "too dark",
// "glare — tilt the phone"), from the gate's own model run on the phone
// (app/_lib/capture/live-hints.ts). Nothing shows while the model loads or where it
// cannot run; the shutter never waits for it.
import { useEffect, useState, useSyncExternalStore, type RefObject } from "react";
import { LiveHints } from "../../_lib/capture/live-hints";
import { useI18n } from "../../_i18n/i18n-provider";

/** `held`: a still was just taken and its quick verdict is on its way (see LiveHints.hold). */
export function LiveHint({ viewRef, held }: { viewRef: RefObject<HTMLDivElement | null>; held: boolean }) {
  const { t } = useI18n();
  const [hints] = useState(() => new LiveHints(() => viewRef.current?.querySelector("video") ?? null));
  useEffect(() => {
    hints.start();
    // Stable hook for diagnostics, the browser tests and the per-frame benchmark.
    (window as unknown as { __liveHints?: LiveHints }).__liveHints = hints;
    return () => hints.stop();
  }, [hints]);
  useEffect(() => hints.hold(held), [hints, held]);
  const s = useSyncExternalStore(hints.subscribe, hints.snapshot, hints.snapshot);
  if (s.kind !== "hint") return <span hidden data-testid="live-hint" data-state={s.kind} />;
  return (
    <p className="live-hint" role="status" data-testid="live-hint" data-state="hint" data-defect={s.defect}>
      {t(`liveHint.${s.defect}`)}
    </p>
  );
}
