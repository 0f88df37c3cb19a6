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
  private markClosed!: () => void;
  /**
   * Settles once this socket's close has been handled (onClose has run) or the
   * page let it go. Between the server's close frame and the close event the
   * socket refuses requests ("not connected") without yet saying why it closed.
   */
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  /** Requests can be sent now. */
  get isOpen() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

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
        this.rejectPending("DISCONNECTED", "connection closed");
        if (!opened) reject(new SignalError(ev.code === 1006 ? "REFUSED" : "CLOSED", ev.reason || "connection refused"));
        else this.onClose?.(ev.code, ev.reason);
        this.markClosed();
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
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new SignalError("DISCONNECTED", "not connected"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalError("TIMEOUT", `${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ id, method, data }));
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
    this.markClosed();
  }

  private rejectPending(code: string, message: string) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SignalError(code, message));
    }
    this.pending.clear();
  }
}
