// The hand signature's capture, free of React: strokes of points (CSS pixels
// on the pad, milliseconds since the pad was shown, the pointer's type and
// pressure) drawn on a canvas as they come, from pointer events, so touch, pen
// and mouse all work. The server stores the strokes beside the PNG: the timing
// is what tells a hand-drawn signature from a pasted image.
export type PointerKind = "touch" | "pen" | "mouse";
export interface StrokePoint {
  x: number;
  y: number;
  t: number;
  pressure?: number;
}
export interface Stroke {
  pointerType: PointerKind;
  points: StrokePoint[];
}

export class SignaturePad {
  readonly strokes: Stroke[] = [];
  private current: Stroke | null = null;
  private readonly shownAt = performance.now();
  private readonly ctx: CanvasRenderingContext2D;
  private readonly listeners: [string, EventListener][] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: () => void,
  ) {
    // A crisp line on high-density screens: the backing store in device pixels, drawing in CSS pixels.
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.size();
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    this.ctx = canvas.getContext("2d")!;
    this.ctx.scale(ratio, ratio);
    this.paintBackground();
    this.on("pointerdown", (e) => this.down(e as PointerEvent));
    this.on("pointermove", (e) => this.move(e as PointerEvent));
    this.on("pointerup", () => this.up());
    this.on("pointercancel", () => this.up());
  }

  /** The pad's size in CSS pixels: the strokes' coordinate space. */
  size() {
    const r = this.canvas.getBoundingClientRect();
    return { width: Math.max(1, Math.round(r.width)), height: Math.max(1, Math.round(r.height)) };
  }

  isEmpty() {
    return this.strokes.length === 0;
  }

  clear() {
    this.strokes.length = 0;
    this.current = null;
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.paintBackground();
    this.onChange();
  }

  /** The drawing as PNG, base64 without the data-URL prefix. */
  pngBase64(): string {
    return this.canvas.toDataURL("image/png").split(",")[1] ?? "";
  }

  dispose() {
    for (const [type, fn] of this.listeners) this.canvas.removeEventListener(type, fn);
  }

  private on(type: string, fn: EventListener) {
    this.canvas.addEventListener(type, fn);
    this.listeners.push([type, fn]);
  }

  private down(e: PointerEvent) {
    e.preventDefault();
    // Keeps a stroke that leaves the pad; a pointer the browser no longer tracks cannot be captured, and need not be.
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      /* the stroke still records while over the pad */
    }
    this.current = { pointerType: kindOf(e.pointerType), points: [] };
    this.strokes.push(this.current);
    this.add(e);
    this.onChange();
  }

  private move(e: PointerEvent) {
    if (!this.current) return;
    e.preventDefault();
    // Coalesced events keep the fast parts of a stroke that one frame would drop.
    const events = typeof e.getCoalescedEvents === "function" && e.getCoalescedEvents().length ? e.getCoalescedEvents() : [e];
    for (const ev of events) this.add(ev);
  }

  private up() {
    this.current = null;
  }

  private add(e: PointerEvent) {
    const stroke = this.current!;
    const r = this.canvas.getBoundingClientRect();
    const { width, height } = this.size();
    const point: StrokePoint = {
      x: round(clamp(e.clientX - r.left, 0, width)),
      y: round(clamp(e.clientY - r.top, 0, height)),
      t: Math.max(0, Math.round(performance.now() - this.shownAt)),
      ...(e.pressure > 0 && e.pointerType !== "mouse" ? { pressure: round(clamp(e.pressure, 0, 1)) } : {}),
    };
    const last = stroke.points[stroke.points.length - 1];
    stroke.points.push(point);
    const c = this.ctx;
    c.strokeStyle = "#0b1b3a";
    c.lineWidth = 2.5;
    c.lineCap = "round";
    c.lineJoin = "round";
    c.beginPath();
    c.moveTo(last?.x ?? point.x, last?.y ?? point.y);
    c.lineTo(point.x + (last ? 0 : 0.01), point.y);
    c.stroke();
  }

  private paintBackground() {
    // White paper, so the PNG reads the same in any viewer (a transparent one turns black in some).
    const { width, height } = this.size();
    this.ctx.fillStyle = "#ffffff";
    this.ctx.fillRect(0, 0, width, height);
  }
}

function kindOf(type: string): PointerKind {
  return type === "touch" || type === "pen" ? type : "mouse";
}
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number) => Math.round(v * 100) / 100;

/** The short form of a SHA-256 shown on screens: first and last eight hex digits. */
export function shortHash(sha256: string): string {
  return `${sha256.slice(0, 8)}…${sha256.slice(-8)}`;
}
