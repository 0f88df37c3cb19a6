"use client";
// The policyholder's camera view for guided capture: the live preview with the
// pushed guide's overlay, the item's name and instruction, a large shutter
// (also fired remotely by the agent) within thumb reach, the torch where the
// camera has one, and the verdict naming the item and the reason, with a
// one-tap retake. Without a guide there is nothing to shoot yet: the call's
// own self-view shows the camera and this panel only says what comes next.
// A still is saved on the phone and handed to the outbox (photo-outbox.ts):
// the quick verdict on its compact copy shows first, the original follows
// ("photo waiting to upload (x%)"), and its verdict is the one that counts.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import type { ReadOptions } from "../../_lib/trpc-react";
import type { SurveyCall } from "../../_lib/call/survey-call";
import { takeStill, setTorch, torchSupported } from "../../_lib/capture/take-still";
import { phonePlace } from "../../_lib/place/phone-place";
import { outboxFor, type OutboxStill } from "../../_lib/capture/photo-outbox";
import { useI18n } from "../../_i18n/i18n-provider";
import { StreamVideo } from "../call/media-element";
import { LiveHint } from "./live-hint";
import type { CaptureWire, ProvisionalCaptureWire } from "../../../server/signalling/protocol";

type Status = { kind: "idle" } | { kind: "saving" } | { kind: "sent"; key: string } | { kind: "done"; capture: CaptureWire } | { kind: "failed"; message: string };
export type ItemLabels = Record<string, { "zh-CN": string; en: string }>;

type Label = ItemLabels[string];

/** `checklist` is the page's read of the survey's checklist (`trpc.join.checklist.queryOptions()`): it names the items in the verdicts. */
export function CapturePanel<Item extends { key: string; label: Label }>({ call, inviteToken, checklist }: { call: SurveyCall; inviteToken: string; checklist: ReadOptions<Item[]> }) {
  const { t, locale } = useI18n();
  const s = useSyncExternalStore(call.subscribe, call.snapshot, call.snapshot);
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [torch, setTorchOn] = useState(false);
  // Every guide names its item: remembered for the verdicts, before (and over) the checklist's words.
  const [guideLabels, setGuideLabels] = useState<ItemLabels>({});
  const items = useQuery(checklist).data;
  const labels: ItemLabels = { ...Object.fromEntries((items ?? []).map((i) => [i.key, i.label])), ...guideLabels };
  const busy = useRef(false);
  const viewRef = useRef<HTMLDivElement>(null);
  const track = s.localStream?.getVideoTracks()[0] ?? null;
  const guide = s.guide;
  const outbox = outboxFor(inviteToken);
  const box = useSyncExternalStore(outbox.subscribe, outbox.snapshot, outbox.snapshot);

  // Acknowledged originals join the call's photos; stills an earlier page left behind continue.
  useEffect(() => {
    const off = outbox.onCapture((capture) => {
      call.addCapture(capture);
      setStatus((st) => ((st.kind === "sent" && st.key === capture.key) || st.kind === "idle" ? { kind: "done", capture } : st));
    });
    void outbox.resume();
    return off;
  }, [outbox, call]);
  useEffect(() => {
    const refused = status.kind === "sent" ? box.failed.find((f) => f.key === status.key) : undefined;
    if (refused) setStatus({ kind: "failed", message: refused.message?.[locale] ?? t("capture.failed") });
  }, [box.failed, status, locale, t]);

  useEffect(() => {
    if (guide) setGuideLabels((old) => ({ ...old, [guide.itemKey]: guide.label }));
  }, [guide]);

  async function shoot(itemKey: string) {
    if (busy.current || !track) return;
    busy.current = true;
    setStatus({ kind: "saving" });
    try {
      const capturedAt = new Date();
      // Asked at the shutter, stored beside the photo when it comes: it goes with the original, never holding up the quick verdict.
      const place = phonePlace.now();
      const { blob } = await takeStill(track);
      // Marks (performance.mark) let a benchmark see where the time between the tap and the verdict goes.
      performance.mark("capture:still-taken");
      // Saved on the phone before anything is sent: from here on a drop or a reload loses nothing.
      const key = await outbox.add({ original: blob, itemKey, capturedAt, place });
      setStatus({ kind: "sent", key });
    } catch {
      setStatus({ kind: "failed", message: t("capture.failed") });
    } finally {
      busy.current = false;
    }
  }

  // The agent pressed "Capture": take it for the item they named as soon as
  // the phone can. The phone joins before its camera is open (and a still may
  // be saving), so a request that comes meanwhile waits for the camera or the
  // current still instead of being lost while the agent waits for a photo.
  const saving = status.kind === "saving";
  useEffect(() => {
    if (!s.captureRequest || !track || saving) return;
    call.clearCaptureRequest();
    void shoot(s.captureRequest.itemKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [s.captureRequest, track, saving]);

  // A shot that needs the other camera (the identity step's face: the front one; the card after it: the rear) switches to it.
  const wantFacing = guide?.facing;
  useEffect(() => {
    if (wantFacing && track && wantFacing !== s.facing) void call.switchCamera().catch(() => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [guide?.itemKey, wantFacing, Boolean(track)]);

  // A new guide starts a new step: the last verdict belonged to another item.
  useEffect(() => {
    setStatus((st) => (st.kind === "done" && st.capture.itemKey !== guide?.itemKey ? { kind: "idle" } : st));
  }, [guide?.itemKey]);

  // A verdict changed elsewhere (the agent accepted a rejected photo anyway).
  const latest = status.kind === "done" ? s.captures.find((c) => c.id === status.capture.id) ?? status.capture : null;
  // Every still not yet acknowledged, this page's and those a reload found on the phone.
  const onTheirWay = box.stills.map((st) => <StillOnItsWay key={st.key} still={st} label={labels[st.itemKey]?.[locale]} onRetake={() => void shoot(st.itemKey)} />);

  if (!guide) {
    return (
      <section className="card capture" data-testid="capture-panel" data-active="0">
        <p className="muted">{t("capture.noGuide")}</p>
        {onTheirWay}
      </section>
    );
  }
  const uploading = status.kind === "saving";
  // Evidence first: from the shutter until the quick verdict is back (not while it waits for the signal), the phone's processor is the photo's.
  const hintsHeld = uploading || box.stills.some((st) => st.quickPending && !st.waiting);
  return (
    <section className="capture" data-testid="capture-panel" data-active="1">
      <div className="capture-view" ref={viewRef}>
        <StreamVideo stream={s.localStream} muted data-testid="capture-preview" />
        {guide.overlay && <img className="capture-overlay" src={guide.overlay} alt="" data-testid="guide-overlay" data-item={guide.itemKey} />}
        <LiveHint viewRef={viewRef} held={hintsHeld} />
      </div>
      <p className="capture-guide" data-testid="guide-instruction" data-item={guide.itemKey}>
        <strong data-testid="guide-label">{guide.label[locale]}</strong> {guide.instruction[locale]}
      </p>
      <div className="capture-status" aria-live="polite">
        {uploading && <p className="banner">{t("capture.uploading")}</p>}
        {onTheirWay}
        {status.kind === "failed" && (
          <p className="error" role="alert" data-testid="capture-error">
            {status.message}
          </p>
        )}
        {latest && <Verdict capture={latest} label={labels[latest.itemKey]?.[locale]} onRetake={() => void shoot(latest.itemKey)} retakeDisabled={uploading} />}
      </div>
      <div className="capture-actions">
        {torchSupported(track) ? (
          <button type="button" data-testid="torch" aria-pressed={torch} onClick={() => track && setTorch(track, !torch).then(() => setTorchOn(!torch), () => undefined)}>
            {t("capture.torch")}
          </button>
        ) : (
          <span />
        )}
        <button type="button" className="shutter" data-testid="shutter" disabled={uploading || !track} onClick={() => void shoot(guide.itemKey)} aria-label={`${t("capture.shutter")} · ${guide.label[locale]}`}>
          {t("capture.shutter")}
        </button>
        <span />
      </div>
    </section>
  );
}

/**
 * One photo's verdict as both sides see it: which checklist item, accepted or
 * not and why, and — when it was rejected — a one-tap retake (the phone shoots
 * again; the agent asks the phone to).
 */
export function Verdict({ capture, label, onRetake, retakeDisabled }: { capture: CaptureWire; label: string | undefined; onRetake?: () => void; retakeDisabled?: boolean }) {
  const { t, locale } = useI18n();
  const accepted = capture.verdict === "accepted";
  return (
    <div className={accepted ? "banner ok verdict" : "banner warn verdict"} data-testid="capture-verdict" data-verdict={capture.verdict} data-item={capture.itemKey} data-reasons={capture.reasons.map((r) => r.code).join(",")}>
      <div className="verdict-text">
        <strong>
          <span data-testid="verdict-item">{label ?? t("capture.unknownItem")}</span> · {capture.overridden ? t("capture.overridden") : accepted ? t("capture.accepted") : t("capture.rejected")}
        </strong>
        {capture.disagrees && (
          <div data-testid="verdict-disagrees" data-provisional={capture.provisional?.verdict}>
            {t("capture.disagrees")}
          </div>
        )}
        {!accepted &&
          capture.reasons.map((r) => (
            <div key={r.code} data-testid="verdict-reason">
              {r.message[locale]} — {r.hint[locale]}
            </div>
          ))}
      </div>
      {!accepted && onRetake && (
        <button type="button" className="primary" data-testid="retake" disabled={retakeDisabled} onClick={onRetake}>
          {t("capture.retake")}
        </button>
      )}
    </div>
  );
}

/** A still whose original is on its way: the quick verdict on its compact copy, and how much of the original the server holds. */
export function StillOnItsWay({ still, label, onRetake }: { still: Pick<OutboxStill, "itemKey" | "sent" | "total" | "waiting"> & { provisional: ProvisionalCaptureWire | null }; label: string | undefined; onRetake?: () => void }) {
  const { t, locale } = useI18n();
  const p = still.provisional;
  const percent = still.total > 0 ? Math.floor((100 * still.sent) / still.total) : 0;
  return (
    <div className={p?.verdict === "rejected" ? "banner warn verdict" : "banner verdict"} data-testid="still-on-its-way" data-item={still.itemKey}>
      <div className="verdict-text">
        {p && (
          <strong data-testid="provisional-verdict" data-verdict={p.verdict}>
            {label ?? t("capture.unknownItem")} · {p.verdict === "accepted" ? t("capture.quickAccepted") : t("capture.quickRejected")}
          </strong>
        )}
        {p?.verdict === "rejected" &&
          p.reasons.map((r) => (
            <div key={r.code} data-testid="provisional-reason">
              {r.message[locale]} — {r.hint[locale]}
            </div>
          ))}
        <div data-testid="upload-waiting" data-percent={percent}>
          {t("capture.waitingUpload").replace("{percent}", String(percent))}
        </div>
        {still.waiting && <div data-testid="upload-offline">{t("capture.waitingOffline")}</div>}
      </div>
      {p?.verdict === "rejected" && onRetake && (
        <button type="button" className="primary" data-testid="retake" onClick={onRetake}>
          {t("capture.retake")}
        </button>
      )}
    </div>
  );
}
