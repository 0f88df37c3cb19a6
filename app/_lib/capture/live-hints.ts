// Hints before the shutter: a few times a second the camera preview is cut into the
// quality model's windows exactly as the server cuts a photo (preview-window.ts),
// judged in the browser by the gate's own model (live-quality-model.ts), and the worst
// defect becomes one short hint ("hold still", "too dark", "glare — tilt the phone").
// Only a hint: the server's verdict on the original is the one that counts. When a hint
// shows and goes: hint-debounce.ts.
import { judgeFrame, type WindowJudgement } from "../../../server/quality/combine-window-scores";
import type { DefectCode } from "../../../server/quality/defect-codes";
import { windowTones } from "../../../server/quality/window-tones";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../../server/quality/model-window-layout";
import { hintDecision } from "./hint-debounce";
import { loadLiveQualityModel, type LiveQualityModel } from "./live-quality-model";
import { previewWindow } from "./preview-window";

export type LiveHintState =
  | { kind: "off" }
  /** The model is loading, or could not be loaded (the shutter works as ever). */
  | { kind: "unavailable" }
  /** A still was just taken and its quick verdict is on its way: the phone's processor is the photo's. */
  | { kind: "held" }
  | { kind: "clear" }
  | { kind: "hint"; defect: DefectCode };

/**
 * Time between the end of one judgement and the start of the next: at least 250 ms (three
 * to four a second), and twice the last frame's time, so that on a slow phone the hints
 * take at most a third of one core from the call's video.
 */
const FRAME_GAP_MS = 250;
const FRAME_GAP_PER_FRAME = 2;
/** A model that could not be loaded (a weak link at the roadside) is tried again this much later. */
const RELOAD_MS = 30_000;

export class LiveHints {
  private state: LiveHintState = { kind: "unavailable" };
  private readonly listeners = new Set<() => void>();
  private running = false;
  private held = false;
  private loaded = false;
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly canvas = document.createElement("canvas");
  /**
   * The window's RGB pixels, rewritten every frame: the model copies them into its own memory
   * within judge(), and the next frame starts after it returns, so a 0.9 MB buffer per frame
   * (and the garbage collector's work on a slow phone) is saved.
   */
  private readonly rgb = new Uint8Array(MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3);
  /** The first reason of the last three frames (null: clean). */
  private recent: (DefectCode | null)[] = [];
  /**
   * The latest scores (and highlight level) of each window of the frame. A 16:9 preview has
   * two windows; one is judged per frame, in turn, which halves a frame's cost on a slow phone:
   * a finger on one side is seen within two frames.
   */
  private windowScores: (WindowJudgement | undefined)[] = [];
  private nextWindow = 0;
  /** Milliseconds each judged frame took, grab to scores (newest last; for the benchmark and tests). */
  readonly frameMs: number[] = [];
  /** Of each, the part before the model: drawing the preview and cutting it into windows. */
  readonly grabMs: number[] = [];
  /**
   * Of each, finer (the benchmark's breakdown): the grab's drawImage, getImageData and RGBA→RGB
   * (preview-window.ts), and the model's session.run. What frameMs holds beyond these is the
   * rest: tensor set-up, output handling, combining the windows, choosing the hint.
   */
  readonly stageMs: { draw: number; read: number; rgb: number; run: number }[] = [];
  /** When each judged frame started (performance.now(), newest last; the tests check none starts while held). */
  readonly startedAt: number[] = [];

  constructor(private readonly video: () => HTMLVideoElement | null) {}

  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => void this.listeners.delete(l);
  };
  snapshot = () => this.state;

  start() {
    if (this.running) return;
    this.running = true;
    this.begin(++this.generation);
  }

  /** Loads the model (again, after a failed load on a weak link: every RELOAD_MS) and starts judging. */
  private begin(generation: number) {
    void loadLiveQualityModel().then(
      (model) => {
        this.loaded = true;
        this.loop(model, generation);
      },
      () => {
        this.set({ kind: "unavailable" });
        if (generation === this.generation && this.running) this.timer = setTimeout(() => this.begin(generation), RELOAD_MS);
      },
    );
  }

  stop() {
    this.running = false;
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.recent = [];
    this.windowScores = [];
    this.set({ kind: "off" });
  }

  /**
   * Evidence first: from the shutter until the still's quick verdict has come back, no
   * preview frame is judged. On a slow phone one frame is a tenth of a second of the only
   * thread that also makes the compact copy and sends it; and the hint was about the shot
   * just taken. Judging starts afresh (no old frames' votes) when the hold ends.
   */
  hold(on: boolean) {
    if (on === this.held) return;
    this.held = on;
    this.recent = [];
    this.windowScores = [];
    if (this.running) this.set(on ? { kind: "held" } : this.loaded ? { kind: "clear" } : { kind: "unavailable" });
  }

  private set(next: LiveHintState) {
    const same = next.kind === this.state.kind && (next.kind !== "hint" || (this.state.kind === "hint" && this.state.defect === next.defect));
    if (same) return;
    this.state = next;
    for (const l of this.listeners) l();
  }

  /** One chain of judgements per start(): a judgement still running when the panel closed ends its chain. */
  private loop(model: LiveQualityModel, generation: number) {
    if (!this.running || generation !== this.generation) return;
    const last = this.frameMs.at(-1) ?? 0;
    this.timer = setTimeout(() => {
      void this.judgeOnce(model).finally(() => this.loop(model, generation));
    }, Math.max(FRAME_GAP_MS, FRAME_GAP_PER_FRAME * last));
  }

  private async judgeOnce(model: LiveQualityModel) {
    const video = this.video();
    // A hidden page's camera is not being aimed; its frames are not worth the battery.
    if (this.held || !video || document.hidden || video.readyState < 2) return;
    const t0 = performance.now();
    this.startedAt.push(t0);
    if (this.startedAt.length > 200) this.startedAt.shift();
    const cut = previewWindow(video, this.canvas, this.nextWindow, this.rgb);
    if (!cut) return;
    const t1 = performance.now();
    let first: DefectCode | null;
    try {
      const [scores] = await model.judge([cut.rgb]);
      // A frame from before the shutter, finished after it: the hold has cleared its votes; it adds none.
      if (this.held) return;
      if (this.windowScores.length !== cut.count) this.windowScores = new Array<WindowJudgement | undefined>(cut.count);
      this.windowScores[cut.index] = { scores, ...windowTones(cut.rgb) };
      this.nextWindow = cut.index + 1;
      const judged = this.windowScores.filter((w): w is WindowJudgement => w !== undefined);
      // The server's own rule (combine-window-scores.ts): "too dark" only with highlight headroom,
      // "too bright" only with lifted shadows.
      first = judgeFrame(judged, model.manifest.thresholds as Record<DefectCode, number>).reasons[0] ?? null;
    } catch {
      if (this.held) return;
      return this.set({ kind: "unavailable" });
    }
    this.frameMs.push(performance.now() - t0);
    this.grabMs.push(t1 - t0);
    this.stageMs.push({ ...cut.ms, run: model.lastRunMs });
    if (this.frameMs.length > 200) this.frameMs.shift();
    if (this.grabMs.length > 200) this.grabMs.shift();
    if (this.stageMs.length > 200) this.stageMs.shift();
    this.recent = [...this.recent, first].slice(-3);
    const decision = hintDecision(this.recent, this.state.kind === "hint");
    if (decision === "clear") this.set({ kind: "clear" });
    else if (decision !== "keep") this.set({ kind: "hint", defect: decision.show });
  }
}
