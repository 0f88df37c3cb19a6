// The phone's outbox of stills. Each still is saved in IndexedDB first
// (photo-store.ts), then:
//   1. its compact copy (≤ 200 KB) goes to /api/captures/provisional for a
//      quick provisional verdict, shown at once;
//   2. its original goes by the resumable tus protocol (tus-js-client), one
//      original at a time, continuing after a drop or a reload from the bytes
//      the server already holds;
//   3. the upload is committed; the server checks the SHA-256 the phone
//      declared, judges the original (the verdict that counts) and answers
//      with its SHA-256. Only when that matches the phone's own hash is the
//      still deleted from the phone.
// Network failures are retried for as long as the page lives (and resumed
// when it opens again); only a refusal that retrying cannot change (a 4xx
// naming the problem) ends a still's journey, with the server's words.
import { Upload, type DetailedError } from "tus-js-client";
import type { CaptureWire, ProvisionalCaptureWire } from "../../../server/signalling/protocol";
import { compactCopy, sha256Hex, warmUpCompactCopy } from "./compact-copy";
import { deleteStill, putStill, stillsFor, updateStill, type StoredStill } from "./photo-store";
import type { PlaceReport } from "../../../server/domain/place-report";

type Words = { "zh-CN": string; en: string };

export interface OutboxStill {
  key: string;
  itemKey: string;
  provisional: ProvisionalCaptureWire | null;
  /** Its compact copy is on its way to the quick check (the live hints hold meanwhile). */
  quickPending: boolean;
  /** Bytes of the original the server holds, as far as the phone knows. */
  sent: number;
  total: number;
  /** The last attempt failed on the network: waiting for the signal. */
  waiting: boolean;
}

export interface OutboxSnapshot {
  stills: OutboxStill[];
  /** Acknowledged originals of this page's life, newest last. */
  delivered: CaptureWire[];
  /** Stills the server refused for good, with its words. */
  failed: { key: string; itemKey: string; message: Words | null }[];
}

class PermanentFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly userMessage: Words | null,
  ) {
    super(code);
  }
}

const ORIGINALS_ENDPOINT = "/api/captures/uploads";
const CHUNK_BYTES = 1024 * 1024;
const MAX_WAIT_MS = 5000;
/**
 * A link that goes dead (a tunnel, a dead cell) does not fail a request: TCP
 * just waits, for minutes. No byte and no answer for this long and the attempt
 * is given up and made again (HEAD: how far did it get?), on a fresh
 * connection. Giving up early only costs a HEAD, never a byte of the photo;
 * and since a busy server can be slower than a dead link, each stall in a row
 * doubles the wait (up to MAX_STALL_MS), so a slow answer is always waited for
 * in the end.
 */
const STALL_MS = 20_000;
const MAX_STALL_MS = 320_000;
/** The compact copy and the commit are plain requests: the same rule, with room for a slow uplink and a busy server. */
const REQUEST_MS = 60_000;

/** A status worth retrying: the network, the server's own trouble, or "too many". */
const transient = (status: number) => status === 0 || status >= 500 || status === 408 || status === 429;

async function refusal(res: Response): Promise<PermanentFailure> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: unknown } } | null;
  const m = body?.error?.message;
  return new PermanentFailure(res.status, body?.error?.code ?? "UPLOAD_FAILED", m && typeof m === "object" ? (m as Words) : null);
}

export class PhotoOutbox {
  private state: OutboxSnapshot = { stills: [], delivered: [], failed: [] };
  private readonly listeners = new Set<() => void>();
  private readonly captureListeners = new Set<(c: CaptureWire) => void>();
  private originals: Promise<void> = Promise.resolve();
  private readonly active = new Set<string>();
  /** Waiters for the signal: the browser's "online" wakes them all at once. */
  private readonly wakers = new Set<() => void>();
  private scopePromise: Promise<string> | null = null;
  /** Attempts in a row of a still's original given up as stalled (see STALL_MS). */
  private readonly stalls = new Map<string, number>();

  constructor(private readonly inviteToken: string) {
    if (typeof window !== "undefined") {
      window.addEventListener("online", () => [...this.wakers].forEach((w) => w()));
      // While the driver frames the first shot, not after the shutter.
      void warmUpCompactCopy().catch(() => undefined);
    }
  }

  subscribe = (fn: () => void) => {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  };
  snapshot = () => this.state;
  onCapture(fn: (c: CaptureWire) => void) {
    this.captureListeners.add(fn);
    return () => void this.captureListeners.delete(fn);
  }

  private set(patch: Partial<OutboxSnapshot>) {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }
  private setStill(key: string, patch: Partial<OutboxStill>) {
    this.set({ stills: this.state.stills.map((s) => (s.key === key ? { ...s, ...patch } : s)) });
  }

  /** Stills are resumed only by a page of the link that took them. */
  private scope(): Promise<string> {
    this.scopePromise ??= sha256Hex(new Blob([this.inviteToken])).then((h) => h.slice(0, 32));
    return this.scopePromise;
  }

  /** Saves a new still on the phone, then starts its journey. Resolves once it is saved. */
  async add(args: { original: Blob; itemKey: string; capturedAt: Date; place: Promise<PlaceReport> }): Promise<string> {
    const [sha256, compact, scope] = await Promise.all([sha256Hex(args.original), compactCopy(args.original).catch(() => null), this.scope()]);
    performance.mark("capture:compact-made");
    const still: StoredStill = {
      key: `ph-${crypto.randomUUID()}`,
      scope,
      itemKey: args.itemKey,
      capturedAt: args.capturedAt.toISOString(),
      // Filled in when the position comes (below), stored with the photo on the phone; the original waits for it, the quick check does not.
      place: null,
      original: args.original,
      sha256,
      compact,
      uploadUrl: null,
      provisional: null,
      provisionalFailed: compact === null,
      createdAt: Date.now(),
    };
    await putStill(still);
    performance.mark("capture:still-saved");
    const located = args.place
      .then(async (place) => {
        still.place = place;
        await updateStill(still.key, { place });
      })
      .catch(() => undefined);
    this.start(still, located);
    return still.key;
  }

  /**
   * Keeps a still on the phone without sending it: the video-report queue's
   * waiting screen, whose token becomes this link once an agent answers. The
   * join page of that link then finds it (resume below) and sends it through the
   * same quick check, upload and quality gate as a photo taken in the call.
   */
  async hold(args: { original: Blob; itemKey: string; capturedAt: Date; place: Promise<PlaceReport> }): Promise<string> {
    const [sha256, compact, scope] = await Promise.all([sha256Hex(args.original), compactCopy(args.original).catch(() => null), this.scope()]);
    const key = `ph-${crypto.randomUUID()}`;
    await putStill({ key, scope, itemKey: args.itemKey, capturedAt: args.capturedAt.toISOString(), place: null, original: args.original, sha256, compact, uploadUrl: null, provisional: null, provisionalFailed: compact === null, createdAt: Date.now() });
    // The position, when it comes, goes beside the photo: it is sent long after (once an agent answers).
    void args.place.then((place) => updateStill(key, { place })).catch(() => undefined);
    return key;
  }

  /** The stills this link keeps on the phone, not yet acknowledged by the server. */
  async kept(): Promise<{ key: string; itemKey: string }[]> {
    return (await stillsFor(await this.scope())).map((s) => ({ key: s.key, itemKey: s.itemKey }));
  }

  /** Finds the stills a previous page of this link left unacknowledged and continues them. */
  async resume(): Promise<void> {
    const stills = await stillsFor(await this.scope());
    for (const s of stills) this.start(s);
  }

  /** `located`: settles once the still's position is known or given up (a still found after a reload has what it has). */
  private start(still: StoredStill, located: Promise<void> = Promise.resolve()) {
    if (this.active.has(still.key)) return;
    this.active.add(still.key);
    this.set({ stills: [...this.state.stills, { key: still.key, itemKey: still.itemKey, provisional: still.provisional, quickPending: !still.provisional && !still.provisionalFailed && still.compact !== null, sent: 0, total: still.original.size, waiting: false }] });
    void this.journey(still, located).finally(() => this.active.delete(still.key));
  }

  private async journey(still: StoredStill, located: Promise<void>) {
    try {
      if (!still.provisional && !still.provisionalFailed && still.compact) await this.quickCheck(still);
      await located;
      // Originals one at a time: a new photo's quick check never waits for an older original.
      const turn = this.originals.then(() => this.deliver(still));
      this.originals = turn.then(
        () => undefined,
        () => undefined,
      );
      const capture = await turn;
      this.set({ stills: this.state.stills.filter((s) => s.key !== still.key), delivered: [...this.state.delivered, capture] });
      for (const l of this.captureListeners) l(capture);
    } catch (err) {
      const f = err instanceof PermanentFailure ? err : new PermanentFailure(0, "UPLOAD_FAILED", null);
      this.set({ stills: this.state.stills.filter((s) => s.key !== still.key), failed: [...this.state.failed, { key: still.key, itemKey: still.itemKey, message: f.userMessage }] });
    }
  }

  /** Runs an attempt until it succeeds or is refused for good; network trouble waits for the signal. */
  private async persist<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      try {
        const out = await attempt();
        this.setStill(key, { waiting: false });
        return out;
      } catch (err) {
        if (err instanceof PermanentFailure) throw err;
        this.setStill(key, { waiting: true });
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.wakers.delete(done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(MAX_WAIT_MS, 500 * 2 ** n));
          this.wakers.add(done);
        });
      }
    }
  }

  private async quickCheck(still: StoredStill) {
    try {
      const provisional = await this.persist(still.key, async () => {
        const res = await fetch("/api/captures/provisional", {
          method: "POST",
          headers: { "Content-Type": "image/jpeg", "X-Invite-Token": this.inviteToken, "Idempotency-Key": still.key, "X-Capture-Item": still.itemKey },
          body: still.compact!,
          signal: AbortSignal.timeout(REQUEST_MS),
        }).catch(() => null);
        if (res?.ok) {
          performance.mark("capture:provisional-answered");
          return ((await res.json()) as { provisional: ProvisionalCaptureWire }).provisional;
        }
        if (!res || transient(res.status)) throw new Error("network");
        throw await refusal(res);
      });
      still.provisional = provisional;
      this.setStill(still.key, { provisional, quickPending: false });
      await updateStill(still.key, { provisional });
    } catch {
      // The quick check is a courtesy: a refused copy does not stop the original, whose verdict counts.
      still.provisionalFailed = true;
      this.setStill(still.key, { quickPending: false });
      await updateStill(still.key, { provisionalFailed: true });
    }
  }

  private async deliver(still: StoredStill): Promise<CaptureWire> {
    let hashRetries = 0;
    const capture = await this.persist(still.key, async () => {
      const url = await this.sendOriginal(still);
      const res = await fetch(`${url}/commit`, { method: "POST", headers: { "X-Invite-Token": this.inviteToken, "Idempotency-Key": still.key }, signal: AbortSignal.timeout(REQUEST_MS) }).catch(() => null);
      if (res?.ok) return ((await res.json()) as { capture: CaptureWire }).capture;
      if (!res || transient(res.status)) throw new Error("network");
      const f = await refusal(res);
      // The server lost the upload, or the bytes arrived damaged: send the original again from the start.
      if (f.code === "upload_unknown" || (f.code === "hash_mismatch" && hashRetries++ < 2)) {
        still.uploadUrl = null;
        await updateStill(still.key, { uploadUrl: null });
        throw new Error("again");
      }
      if (f.code === "upload_incomplete") throw new Error("resume");
      throw f;
    });
    // The server's hash of what it stored must be the phone's: only then may the phone forget the photo.
    if (capture.sha256 !== still.sha256) throw new PermanentFailure(0, "HASH_NOT_ACKNOWLEDGED", null);
    await deleteStill(still.key);
    return capture;
  }

  /** The tus upload of the original, created or resumed; resolves with its URL once the server holds every byte. */
  private sendOriginal(still: StoredStill): Promise<string> {
    return new Promise((resolveUpload, rejectUpload) => {
      let lastMove = Date.now();
      const stallMs = Math.min(MAX_STALL_MS, STALL_MS * 2 ** (this.stalls.get(still.key) ?? 0));
      const watchdog = setInterval(() => {
        if (Date.now() - lastMove < stallMs) return;
        this.stalls.set(still.key, (this.stalls.get(still.key) ?? 0) + 1);
        void upload.abort();
        reject(new Error("network"));
      }, 1000);
      const resolve = (url: string) => {
        clearInterval(watchdog);
        resolveUpload(url);
      };
      const reject = (err: Error) => {
        clearInterval(watchdog);
        rejectUpload(err);
      };
      const metadata: Record<string, string> = { key: still.key, item: still.itemKey, sha256: still.sha256, capturedAt: still.capturedAt };
      const place: PlaceReport | null = still.place ?? (still.gps ? { status: "fix", lat: still.gps.lat, lon: still.gps.lon, accuracyM: still.gps.accuracy, at: still.capturedAt } : null);
      if (place?.status === "fix") {
        metadata.gps = `${place.lat.toFixed(6)},${place.lon.toFixed(6)},${Math.round(place.accuracyM)}`;
        metadata.gpsAt = place.at;
      } else if (place) metadata.place = place.status;
      const upload: Upload = new Upload(still.original, {
        endpoint: new URL(ORIGINALS_ENDPOINT, location.href).href,
        uploadUrl: still.uploadUrl ?? undefined,
        chunkSize: CHUNK_BYTES,
        retryDelays: [0, 1000, 3000],
        headers: { "X-Invite-Token": this.inviteToken },
        metadata,
        uploadSize: still.original.size,
        // The URL lives in IndexedDB beside the photo, not in tus-js-client's localStorage.
        storeFingerprintForResuming: false,
        onUploadUrlAvailable: () => {
          still.uploadUrl = upload.url;
          void updateStill(still.key, { uploadUrl: upload.url });
        },
        onProgress: (sent, total) => {
          lastMove = Date.now();
          this.stalls.delete(still.key);
          this.setStill(still.key, { sent, total, waiting: false });
        },
        onAfterResponse: () => {
          lastMove = Date.now();
        },
        onSuccess: () => resolve(upload.url!),
        onError: (err) => {
          const res = (err as DetailedError).originalResponse;
          const status = res?.getStatus() ?? 0;
          if (transient(status)) return reject(new Error("network"));
          if (status === 404 || status === 409) {
            // An upload the server no longer has, or an offset out of step: start over or re-ask.
            if (status === 404) {
              still.uploadUrl = null;
              void updateStill(still.key, { uploadUrl: null });
            }
            return reject(new Error("again"));
          }
          let body: { error?: { code?: string; message?: unknown } } | null = null;
          try {
            body = JSON.parse(res?.getBody() ?? "null");
          } catch {
            body = null;
          }
          const m = body?.error?.message;
          reject(new PermanentFailure(status, body?.error?.code ?? "UPLOAD_FAILED", m && typeof m === "object" ? (m as Words) : null));
        },
      });
      upload.start();
    });
  }
}

const outboxes = new Map<string, PhotoOutbox>();
/** One outbox per invite link per page: the capture panel comes and goes, the outbox stays. */
export function outboxFor(inviteToken: string): PhotoOutbox {
  let o = outboxes.get(inviteToken);
  if (!o) {
    o = new PhotoOutbox(inviteToken);
    outboxes.set(inviteToken, o);
  }
  return o;
}
