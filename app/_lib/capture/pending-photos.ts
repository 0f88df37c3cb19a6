// What the agent (and adjuster) know of photos whose original is still on its
// way from the phone: the quick verdict on the compact copy, and how many of
// the original's bytes the server holds ("photo waiting to upload (x%)").
// Pure updates of the call's state; the server's notifications drive them.
import type { CaptureWire, PendingPhotoWire, ProvisionalCaptureWire } from "../../../server/signalling/protocol";

export interface PendingPhoto {
  key: string;
  itemKey: string;
  provisional: ProvisionalCaptureWire | null;
  received: number;
  total: number;
}

export function withProvisional(list: PendingPhoto[], p: ProvisionalCaptureWire, done: CaptureWire[]): PendingPhoto[] {
  if (done.some((c) => c.key === p.key)) return list;
  const old = list.find((x) => x.key === p.key);
  return old ? list.map((x) => (x.key === p.key ? { ...x, provisional: p } : x)) : [...list, { key: p.key, itemKey: p.itemKey, provisional: p, received: 0, total: 0 }];
}

export function withProgress(list: PendingPhoto[], u: { key: string; itemKey: string; received: number; total: number }, done: CaptureWire[]): PendingPhoto[] {
  if (done.some((c) => c.key === u.key)) return list;
  const old = list.find((x) => x.key === u.key);
  return old ? list.map((x) => (x.key === u.key ? { ...x, received: Math.max(x.received, u.received), total: u.total } : x)) : [...list, { ...u, provisional: null }];
}

/** The original arrived: its own verdict replaces the pending entry. */
export const withoutArrived = (list: PendingPhoto[], capture: CaptureWire) => list.filter((x) => x.key !== capture.key);

/**
 * The server's list of photos still on their way, sent when this page joins
 * (or resumes): after a reload the page knew nothing of them. Merged with what
 * notifications already told it, the furthest progress winning.
 */
export function withPendingOnJoin(list: PendingPhoto[], photos: PendingPhotoWire[], done: CaptureWire[]): PendingPhoto[] {
  let next = list;
  for (const p of photos) {
    if (p.provisional) next = withProvisional(next, p.provisional, done);
    if (p.total > 0 || !next.some((x) => x.key === p.key)) next = withProgress(next, p, done);
  }
  return next;
}
