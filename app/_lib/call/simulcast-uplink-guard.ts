// When the phone's uplink is poor, video gives way so that sound and the
// survey's photos get through: first only the smallest simulcast layer is
// sent, then, if even that does not fit, the camera pauses (sound only).
// A lowered uplink cannot show that it has recovered (the browser does not
// probe for bandwidth it is not asked to use), so after a while the guard
// tries the next step up again and backs off longer each time it fails.
import type { types } from "mediasoup-client";
import { uplinkCannotCarryVideo, type LinkReport } from "./network-quality";

export type VideoMode = "full" | "low" | "audio-only";

export const GUARD = {
  /** Consecutive poor samples (2 s apart) before video is lowered. */
  poorSamplesToLower: 3,
  /** After the first sample and after each step up, the bandwidth estimate needs this long to ramp up: no step down meanwhile. */
  settleMs: 15_000,
  /** Consecutive samples this bad, while lowered, before the camera pauses. */
  audioOnly: { kbpsBelow: 100, lossAbove: 0.25, samples: 3 },
  /** First wait before trying a step up again; doubled after each failed try, up to max. */
  retryMs: { first: 30_000, max: 240_000 },
  /** A step up that turns poor again within this long counts as failed. */
  trialMs: 12_000,
} as const;

export interface UplinkGuardTarget {
  camera(): types.Producer | undefined;
  setVideoPaused(paused: boolean): Promise<void>;
  cameraWanted(): boolean;
  onMode(mode: VideoMode): void;
}

export class SimulcastUplinkGuard {
  private mode: VideoMode = "full";
  private poorRun = 0;
  private worseRun = 0;
  private since = 0;
  private settledAt: number | null = null;
  private retryMs: number = GUARD.retryMs.first;
  /** Set while a step up is on trial. */
  private trialUntil: number | null = null;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly target: UplinkGuardTarget) {}

  reset() {
    this.mode = "full";
    this.poorRun = this.worseRun = 0;
    this.retryMs = GUARD.retryMs.first;
    this.trialUntil = null;
    this.settledAt = null;
  }

  /** One uplink sample; returns the video mode now in force. */
  observe(uplink: LinkReport, now: number): VideoMode {
    this.settledAt ??= now + GUARD.settleMs;
    if (now < this.settledAt) return this.mode;
    this.poorRun = uplink.level === "poor" ? this.poorRun + 1 : 0;
    const worse = uplinkCannotCarryVideo(uplink, GUARD.audioOnly.kbpsBelow, GUARD.audioOnly.lossAbove);
    this.worseRun = worse ? this.worseRun + 1 : 0;
    if (this.trialUntil !== null && now >= this.trialUntil) {
      // Survived the trial: the next trouble starts from the short wait again.
      this.trialUntil = null;
      this.retryMs = GUARD.retryMs.first;
    }
    switch (this.mode) {
      case "full":
        if (this.poorRun >= GUARD.poorSamplesToLower) this.enter("low", now, this.trialUntil !== null);
        break;
      case "low":
        if (this.worseRun >= GUARD.audioOnly.samples && this.target.cameraWanted()) this.enter("audio-only", now, this.trialUntil !== null);
        else if (now - this.since >= this.retryMs) this.enter("full", now, false);
        break;
      case "audio-only":
        if (now - this.since >= this.retryMs) this.enter("low", now, false);
        break;
    }
    return this.mode;
  }

  private enter(mode: VideoMode, now: number, trialFailed: boolean) {
    const stepUp = (this.mode === "low" && mode === "full") || (this.mode === "audio-only" && mode === "low");
    if (trialFailed) this.retryMs = Math.min(GUARD.retryMs.max, this.retryMs * 2);
    this.trialUntil = stepUp ? now + GUARD.settleMs + GUARD.trialMs : null;
    if (stepUp) this.settledAt = now + GUARD.settleMs;
    const from = this.mode;
    this.mode = mode;
    this.since = now;
    this.poorRun = this.worseRun = 0;
    this.target.onMode(mode);
    // In order: a pause must not overtake the layer change asked for before it.
    this.applying = this.applying.then(() => this.apply(from, mode));
  }

  private async apply(from: VideoMode, to: VideoMode) {
    const cam = this.target.camera();
    try {
      if (to === "audio-only") {
        await this.target.setVideoPaused(true);
        return;
      }
      if (from === "audio-only") await this.target.setVideoPaused(false);
      // setMaxSpatialLayer switches the upper encodings off in the browser: they stop using the uplink at once.
      if (cam && !cam.closed) await cam.setMaxSpatialLayer(to === "low" ? 0 : (cam.rtpParameters.encodings?.length ?? 1) - 1);
    } catch {
      // The producer closed meanwhile (reconnect, camera switch): the next call starts in "full".
    }
  }
}
