// Typed request/response over the survey WebSocket; the message types come
// from the server's zod protocol module.
import type { SignalMethod, SignalNotifications, SignalRequestData, SignalResponses } from "../../../server/signalling/protocol";

type Listener<K extends keyof SignalNotifications> = (data: SignalNotifications[K]) => void;

export class SignalError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class SignallingClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly listeners = new Map<string, Set<(data: unknown) => void>>();
  private ws: WebSocket | null = null;
  onClose: ((code: number, reason: string) => void) | null = null;
  /** A request was kept back because the socket is closing (see request). */
  onRequestHeld: ((method: SignalMethod) => void) | null = null;

  connect(url: string, protocols: string[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols);
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        resolve();
      };
      ws.onerror = () => {
        if (!opened) reject(new SignalError("CONNECT_FAILED", "could not reach the survey server"));
      };
      ws.onclose = (ev) => {
        // The rejections reach their callers as microtasks, after this handler and onClose have run.
        this.rejectPending("DISCONNECTED", "connection closed");
        if (!opened) reject(new SignalError(ev.code === 1006 ? "REFUSED" : "CLOSED", ev.reason || "connection refused"));
        else this.onClose?.(ev.code, ev.reason);
      };
      ws.onmessage = (ev) => this.dispatch(String(ev.data));
    });
  }

  private dispatch(text: string) {
    let msg: { id?: number | null; ok?: boolean; data?: unknown; error?: { code: string; message: string }; notification?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.notification) {
      for (const l of this.listeners.get(msg.notification) ?? []) l(msg.data);
      return;
    }
    if (typeof msg.id !== "number") return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data);
    else p.reject(new SignalError(msg.error?.code ?? "FAILED", msg.error?.message ?? "request failed"));
  }

  request<M extends SignalMethod>(method: M, data: SignalRequestData<M>, timeoutMs = 15_000): Promise<SignalResponses[M]> {
    const ws = this.ws;
    const state = ws?.readyState;
    if (!ws || (state !== WebSocket.OPEN && state !== WebSocket.CLOSING)) return Promise.reject(new SignalError("DISCONNECTED", "not connected"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalError("TIMEOUT", `${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (state === WebSocket.OPEN) return ws.send(JSON.stringify({ id, method, data }));
      // The server's close frame is in (the link withdrawn, the survey ended) but the close event,
      // whose code says why, has not reached the page yet. Nothing can be sent; keep the request
      // pending so the close event rejects it only after onClose has run: every caller then learns
      // why the socket closed before it sees its own request fail.
      this.onRequestHeld?.(method);
    });
  }

  on<K extends keyof SignalNotifications>(name: K, listener: Listener<K>) {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (d: unknown) => void);
  }

  close() {
    this.onClose = null;
    // An abandoned socket answers nothing more: settle its requests now rather
    // than when the close handshake ends, which on a dead network is much later
    // and would have them time out and accuse whatever socket replaced this one.
    this.rejectPending("DISCONNECTED", "connection closed");
    this.ws?.close(1000, "leaving");
    this.ws = null;
  }

  private rejectPending(code: string, message: string) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SignalError(code, message));
    }
    this.pending.clear();
  }
}
