// Uploads a photo with an idempotency key and retries, so a flaky 4G link
// neither loses nor duplicates it: the server stores the first copy and
// answers every retry with the same result.
import type { CaptureWire } from "../../../server/signalling/protocol";

export class CaptureUploadError extends Error {
  constructor(readonly status: number, readonly code: string, readonly userMessage: { "zh-CN": string; en: string } | null) {
    super(code);
  }
}

const DELAYS_MS = [500, 1500, 3000, 6000, 10000];

export async function uploadCapture(args: {
  blob: Blob;
  inviteToken: string;
  itemKey: string;
  capturedAt: Date;
  gps: { lat: number; lon: number; accuracy: number } | null;
  idempotencyKey?: string;
  onAttempt?: (n: number) => void;
}): Promise<CaptureWire> {
  const idempotencyKey = args.idempotencyKey ?? crypto.randomUUID();
  const headers: Record<string, string> = {
    "Content-Type": args.blob.type || "image/jpeg",
    "X-Invite-Token": args.inviteToken,
    "Idempotency-Key": idempotencyKey,
    "X-Capture-Item": args.itemKey,
    "X-Captured-At": args.capturedAt.toISOString(),
  };
  if (args.gps) headers["X-Capture-Gps"] = `${args.gps.lat.toFixed(6)},${args.gps.lon.toFixed(6)},${Math.round(args.gps.accuracy)}`;
  for (let attempt = 0; ; attempt++) {
    args.onAttempt?.(attempt + 1);
    let res: Response | null = null;
    try {
      res = await fetch("/api/captures", { method: "POST", headers, body: args.blob });
    } catch {
      res = null; // network error: retry
    }
    if (res && res.ok) return ((await res.json()) as { capture: CaptureWire }).capture;
    if (res && res.status < 500 && res.status !== 408 && res.status !== 429) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: unknown } } | null;
      const msg = body?.error?.message;
      throw new CaptureUploadError(res.status, body?.error?.code ?? "UPLOAD_FAILED", msg && typeof msg === "object" ? (msg as { "zh-CN": string; en: string }) : null);
    }
    if (attempt >= DELAYS_MS.length) throw new CaptureUploadError(res?.status ?? 0, "NETWORK", null);
    await new Promise((r) => setTimeout(r, DELAYS_MS[attempt]));
  }
}

/** Position if the person allows it; never blocks the photo for long. */
export function currentPosition(timeoutMs = 3000): Promise<{ lat: number; lon: number; accuracy: number } | null> {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs + 500);
    navigator.geolocation.getCurrentPosition(
      (p) => {
        clearTimeout(timer);
        resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy });
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 60_000 },
    );
  });
}
