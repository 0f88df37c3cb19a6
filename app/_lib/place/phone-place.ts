// The phone's position for the consent, each photo and the signature (issue
// 15, point 4). The driver is asked once, in their language and with the
// reason (place-ask.tsx), before the browser's own prompt; the answer is kept
// on the phone so it is not asked again. Every reading is one fix at that
// moment (never tracking) and gives up after a few seconds: a refusal or a
// phone without a fix is reported as such and never holds anything up.
import type { PlaceReport } from "../../../server/domain/place-report";

type Decision = "unasked" | "allowed" | "declined";
export interface PhonePlaceSnapshot {
  /** Our question is due: not answered yet, and the browser would prompt. */
  needsAsk: boolean;
  /** The driver declined (here or in the browser's prompt). */
  refused: boolean;
}

const STORE_KEY = "claims-survey.place";
const DEFAULT_WAIT_MS = 3000;
/** A fix this recent stands for "now": the photo and the signature a few seconds apart share it. */
const MAX_AGE_MS = 15_000;

class PhonePlace {
  private decision: Decision = "unasked";
  private browser: PermissionState | "unknown" = "unknown";
  private state: PhonePlaceSnapshot = { needsAsk: false, refused: false };
  private readonly listeners = new Set<() => void>();
  private started: Promise<void> | null = null;

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  };
  snapshot = () => this.state;

  /** Reads the earlier answer and the browser's permission; shows the question only where the browser would prompt. */
  init(): Promise<void> {
    this.started ??= (async () => {
      try {
        const stored = localStorage.getItem(STORE_KEY);
        if (stored === "allowed" || stored === "declined") this.decision = stored;
      } catch {
        // Private mode without storage: asked again on the next page, never blocked.
      }
      try {
        const status = await navigator.permissions.query({ name: "geolocation" });
        this.browser = status.state;
        status.onchange = () => {
          this.browser = status.state;
          this.publish();
        };
      } catch {
        this.browser = "unknown";
      }
      this.publish();
    })();
    return this.started;
  }

  private publish() {
    const refused = this.decision === "declined" || this.browser === "denied";
    // Granted before (this site, an earlier survey): no browser prompt comes, so nothing to explain first.
    const needsAsk = this.decision === "unasked" && !refused && this.browser !== "granted" && typeof navigator !== "undefined" && Boolean(navigator.geolocation);
    if (needsAsk !== this.state.needsAsk || refused !== this.state.refused) this.state = { needsAsk, refused };
    for (const l of this.listeners) l();
  }

  private remember(d: Decision) {
    this.decision = d;
    try {
      localStorage.setItem(STORE_KEY, d);
    } catch {
      // See init().
    }
    this.publish();
  }

  /** "Share my location": now the browser's prompt comes; its answer is what counts. */
  async allow(): Promise<void> {
    this.remember("allowed");
    const first = await this.read(15_000);
    if (first.status === "refused") this.browser = "denied";
    this.publish();
  }

  decline() {
    this.remember("declined");
  }

  /** The position now, or why there is none; resolves within `waitMs` (plus a little) whatever happens. */
  async now(waitMs = DEFAULT_WAIT_MS): Promise<PlaceReport> {
    await this.init().catch(() => undefined);
    if (this.decision === "declined" || this.browser === "denied") return { status: "refused" };
    if (this.decision === "unasked" && this.browser !== "granted") return { status: "unanswered" };
    return this.read(waitMs);
  }

  private read(waitMs: number): Promise<PlaceReport> {
    if (typeof navigator === "undefined" || !navigator.geolocation) return Promise.resolve({ status: "unavailable" });
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ status: "unavailable" }), waitMs + 500);
      navigator.geolocation.getCurrentPosition(
        (p) => {
          clearTimeout(timer);
          resolve({ status: "fix", lat: p.coords.latitude, lon: p.coords.longitude, accuracyM: p.coords.accuracy, at: new Date(p.timestamp).toISOString() });
        },
        (err) => {
          clearTimeout(timer);
          resolve({ status: err.code === err.PERMISSION_DENIED ? "refused" : "unavailable" });
        },
        { enableHighAccuracy: true, timeout: waitMs, maximumAge: MAX_AGE_MS },
      );
    });
  }
}

/** One per page: the question is asked once, whichever screen needs the position first. */
export const phonePlace = new PhonePlace();
