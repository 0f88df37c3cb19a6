// Composite (grid) video of a survey, rendered after it ended, off the call's
// path: one ffmpeg (niced, one thread) reads the finalised tracks and writes
// `<surveyId>/composite.webm` (VP8 + Opus) in the recordings storage.
//
// Layout: one tile per participant (320×240, letterboxed), side by side
// (hstack; xstack 2×2 for 3–4 participants). Each participant's tile is a black
// canvas as long as the survey on which every video file of that participant
// is laid at its own start time (setpts + overlay), so a camera gap or a
// restart between two files stays black and the tiles stay in step. Audio:
// every audio file delayed to its start time (adelay) and mixed (amix).
// Progress comes from ffmpeg's `-progress pipe:1` (out_time over the length).
// The per-track files stay the evidence; the composite is a convenience copy.
// A failed render is retried by itself a few times with growing waits, and by
// the person with the button; pages get a failure code and an error id, the
// raw error (ffmpeg's words, paths) goes only to the server log.
import { spawn } from "node:child_process";
import os from "node:os";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { describeJobFailure, JobFailureError, type JobFailureCode } from "../domain/job-failure";

export type CompositeStatus =
  | { state: "none" }
  | { state: "running"; progress: number; startedAt: string }
  | { state: "done"; key: string; sizeBytes: number; sha256: string | null; durationMs: number }
  | { state: "failed"; errorCode: JobFailureCode; errorId: string; attempts: number; nextAttemptAt: string | null };

/** Automatic retries of a failed render: then only the button. */
export const COMPOSITE_RETRY_DELAYS_MS = [30_000, 120_000, 600_000];
/** Failures a retry cannot mend by itself. */
const NOT_RETRIED: JobFailureCode[] = ["no-recordings", "sources-missing"];

export interface CompositeTrack {
  participantId: string;
  kind: "audio" | "video";
  file: string;
  startMs: number;
  endMs: number;
}

/** A finalised track as the database names it: by storage key, not yet a local file. */
type StoredTrack = Omit<CompositeTrack, "file"> & { key: string };

const TILE_W = 320;
const TILE_H = 240;
const FPS = 15;

export function compositeKey(surveyId: string) {
  return `${surveyId}/composite.webm`;
}

/** The ffmpeg arguments for `tracks` into `out`; exported for reading, not for tests of strings. */
export function compositeArgs(tracks: CompositeTrack[], out: string): { args: string[]; durationMs: number } {
  const t0 = Math.min(...tracks.map((t) => t.startMs));
  const durationMs = Math.max(...tracks.map((t) => t.endMs)) - t0;
  const durS = (durationMs / 1000).toFixed(3);
  const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"];
  tracks.forEach((t) => args.push("-i", t.file));
  const participants = [...new Set(tracks.filter((t) => t.kind === "video").map((t) => t.participantId))];
  const parts: string[] = [];
  const tiles: string[] = [];
  participants.forEach((p, pi) => {
    let canvas = `bg${pi}`;
    parts.push(`color=c=black:s=${TILE_W}x${TILE_H}:r=${FPS}:d=${durS}[${canvas}]`);
    tracks.forEach((t, i) => {
      if (t.kind !== "video" || t.participantId !== p) return;
      const off = ((t.startMs - t0) / 1000).toFixed(3);
      parts.push(
        `[${i}:v]fps=${FPS},format=yuv420p,scale=${TILE_W}:${TILE_H}:force_original_aspect_ratio=decrease,pad=${TILE_W}:${TILE_H}:(ow-iw)/2:(oh-ih)/2,setsar=1,setpts=PTS-STARTPTS+${off}/TB[v${i}]`,
      );
      const next = `c${pi}_${i}`;
      parts.push(`[${canvas}][v${i}]overlay=eof_action=pass:shortest=0[${next}]`);
      canvas = next;
    });
    tiles.push(canvas);
  });
  const maps: string[] = [];
  // overlay leaves an alpha plane (yuva420p); libvpx refuses that, so end in yuv420p.
  if (tiles.length === 1) {
    parts.push(`[${tiles[0]}]format=yuv420p[vout]`);
  } else if (tiles.length === 2) {
    parts.push(`[${tiles[0]}][${tiles[1]}]hstack=inputs=2,format=yuv420p[vout]`);
  } else if (tiles.length > 2) {
    while (tiles.length < 4) {
      const pad = `pad${tiles.length}`;
      parts.push(`color=c=black:s=${TILE_W}x${TILE_H}:r=${FPS}:d=${durS}[${pad}]`);
      tiles.push(pad);
    }
    parts.push(`${tiles.slice(0, 4).map((x) => `[${x}]`).join("")}xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0,format=yuv420p[vout]`);
  }
  if (tiles.length) maps.push("-map", "[vout]");
  const audio = tracks.map((t, i) => ({ t, i })).filter(({ t }) => t.kind === "audio");
  if (audio.length) {
    for (const { t, i } of audio) {
      const d = Math.max(0, Math.round(t.startMs - t0));
      parts.push(`[${i}:a]aresample=48000,asetpts=PTS-STARTPTS,adelay=${d}|${d}[a${i}]`);
    }
    parts.push(`${audio.map(({ i }) => `[a${i}]`).join("")}amix=inputs=${audio.length}:duration=longest:normalize=0[aout]`);
    maps.push("-map", "[aout]");
  }
  args.push("-filter_complex", parts.join(";"), ...maps);
  if (tiles.length) args.push("-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "600k", "-threads", "1");
  if (audio.length) args.push("-c:a", "libopus", "-b:a", "64k");
  args.push("-t", durS, "-progress", "pipe:1", "-nostats", "-f", "webm", out);
  return { args, durationMs };
}

export class CompositeRenderer {
  private readonly jobs = new Map<string, CompositeStatus>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: { db: Db; storage: RecordingStorage; log: Logger; retryDelaysMs?: number[] }) {}

  async status(surveyId: string): Promise<CompositeStatus> {
    const job = this.jobs.get(surveyId);
    if (job) return job;
    // Rendered by an earlier process: the file is the state.
    const key = compositeKey(surveyId);
    const found = (await this.deps.storage.list(`${surveyId}/`)).find((o) => o.key === key);
    return found ? { state: "done", key, sizeBytes: found.size, sha256: null, durationMs: 0 } : { state: "none" };
  }

  /** Starts a render unless one runs; resolves at once with the job's status. */
  async start(surveyId: string): Promise<CompositeStatus> {
    const current = this.jobs.get(surveyId);
    if (current?.state === "running") return current;
    const timer = this.retryTimers.get(surveyId);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(surveyId);
    const attempts = current?.state === "failed" ? current.attempts : 0;
    const rows = await this.deps.db.recording.findMany({ where: { surveyId, status: "finalised" }, orderBy: { startedAt: "asc" } });
    const tracks: StoredTrack[] = rows
      .filter((r) => r.storageKey && r.endedAt)
      .map((r) => ({ participantId: r.participantId, kind: r.kind as "audio" | "video", key: r.storageKey, startMs: r.startedAt.getTime(), endMs: r.endedAt!.getTime() }));
    if (tracks.length === 0) return this.failed(surveyId, new JobFailureError("no-recordings", "no finalised recordings"), attempts);
    const running: CompositeStatus = { state: "running", progress: 0, startedAt: new Date().toISOString() };
    this.jobs.set(surveyId, running);
    void this.render(surveyId, tracks, running).then(
      (done) => this.jobs.set(surveyId, done),
      (err: Error) => void this.failed(surveyId, err, attempts),
    );
    return running;
  }

  /** Records a failure (logged in full under its error id) and schedules the next automatic retry, if any. */
  private failed(surveyId: string, err: unknown, previousAttempts: number): CompositeStatus {
    const failure = describeJobFailure(err, "CV");
    const attempts = previousAttempts + 1;
    const delays = this.deps.retryDelaysMs ?? COMPOSITE_RETRY_DELAYS_MS;
    const delay = NOT_RETRIED.includes(failure.code) ? undefined : delays[attempts - 1];
    const nextAttemptAt = delay === undefined ? null : new Date(Date.now() + delay).toISOString();
    this.deps.log.error({ err, surveyId, errorId: failure.errorId, errorCode: failure.code, attempt: attempts, nextAttemptAt }, "composite render failed");
    const status: CompositeStatus = { state: "failed", errorCode: failure.code, errorId: failure.errorId, attempts, nextAttemptAt };
    this.jobs.set(surveyId, status);
    if (delay !== undefined) {
      const timer = setTimeout(() => {
        this.retryTimers.delete(surveyId);
        this.start(surveyId).catch((e) => this.deps.log.error({ err: e, surveyId }, "composite retry could not start"));
      }, delay);
      timer.unref();
      this.retryTimers.set(surveyId, timer);
    }
    return status;
  }

  private async render(surveyId: string, stored: StoredTrack[], job: Extract<CompositeStatus, { state: "running" }>): Promise<CompositeStatus> {
    const { storage } = this.deps;
    const key = compositeKey(surveyId);
    const final = storage.localPath(key);
    const tmp = `${final}.part`;
    // ffmpeg reads files: a remote storage fetches the tracks into its spool for the render's length.
    const leased: string[] = [];
    let durationMs = 0;
    try {
      const tracks: CompositeTrack[] = [];
      for (const { key: trackKey, ...t } of stored) {
        const file = await storage.ensureLocal(trackKey);
        leased.push(trackKey);
        tracks.push({ ...t, file });
      }
      await mkdir(path.dirname(final), { recursive: true });
      const built = compositeArgs(tracks, tmp);
      const args = built.args;
      durationMs = built.durationMs;
      await new Promise<void>((resolve, reject) => {
        const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"] });
        try {
          // Below the live calls' media workers.
          if (child.pid) os.setPriority(child.pid, 15);
        } catch {
          /* not permitted: run at normal priority */
        }
        let err = "";
        let buf = "";
        child.stderr.on("data", (d) => (err = (err + d).slice(-4000)));
        child.stdout.on("data", (d) => {
          buf += d;
          let nl;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            const m = /^out_time_us=(\d+)/.exec(line);
            if (m && durationMs > 0) job.progress = Math.min(0.99, Number(m[1]) / 1000 / durationMs);
          }
        });
        child.once("error", reject);
        child.once("exit", (code, signal) =>
          code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code ?? signal}: ${err.trim().split("\n").slice(-3).join(" | ")}`)),
        );
      });
      await rename(tmp, final);
    } finally {
      await rm(tmp, { force: true });
      await Promise.all(leased.map((k) => storage.releaseLocal(k)));
    }
    const out = await storage.finalise(key);
    this.deps.log.info({ surveyId, key, size: out.size }, "composite rendered");
    return { state: "done", key, sizeBytes: out.size, sha256: out.sha256 ?? null, durationMs };
  }
}

const renderers = new WeakMap<RecordingStorage, CompositeRenderer>();

/** One renderer per storage (i.e. per running product); the first caller's options stay. */
export function compositeRenderer(deps: { db: Db; storage: RecordingStorage; log: Logger; retryDelaysMs?: number[] }): CompositeRenderer {
  let r = renderers.get(deps.storage);
  if (!r) renderers.set(deps.storage, (r = new CompositeRenderer(deps)));
  return r;
}
