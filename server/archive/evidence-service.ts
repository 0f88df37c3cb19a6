// Builds a survey's signed evidence package in the background once the survey
// has closed and its recordings are finalised. Progress is written to the
// EvidencePackage row (throttled) so the agent's page can follow it, and every
// outcome goes into the survey timeline. A package left 'building' by a crash
// is rebuilt when the server starts again. A failed build is retried by itself
// with growing waits (also across a restart), and at once when an agent or an
// auditor asks; pages see a failure as a code they translate plus an error id
// that names the full error in the server log.
import { promises as fs } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { appendSurveyEvent } from "../domain/survey-events";
import { DomainError } from "../domain/errors";
import { describeJobFailure } from "../domain/job-failure";
import type { ReportFonts } from "../evidence/cjk-font";
import { buildEvidencePackage, type BuildProgress } from "../evidence/build-package";
import type { Signer } from "../evidence/signer/signer";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import { evidenceInputForSurvey } from "./evidence-input";
import { retentionFor } from "./evidence-retention";

export interface EvidenceServiceOptions {
  db: Db;
  log: Logger;
  storage: Pick<RecordingStorage, "ensureLocal" | "releaseLocal">;
  recording: { finalise(surveyId: string): Promise<void> };
  /** Packages go to <packagesDir>/<packageId>/. */
  packagesDir: string;
  signer: () => Promise<Signer>;
  softwareVersion: string;
  qualityModelSha256: string;
  /** Minimum time between progress writes to the database. */
  progressIntervalMs?: number;
  now?: () => Date;
  /** The PDF's fonts; default: Debian's fonts-noto-cjk (scripts/setup/runtime-needs.json). */
  reportFonts?: ReportFonts;
  /** Waits before the automatic retries of a failed build, in order; the last one repeats. */
  retryDelaysMs?: number[];
  /** Margins of the report's EXIF-against-capture check (server/evidence/photo-place-check.ts); default 10 min, 500 m. */
  placeCheck?: { timeMarginS: number; distanceMarginM: number };
}

/** 30 s, 2 min, 10 min, 1 h, then every 6 h: quick for a passing hiccup, quiet for a cause someone must fix. */
export const DEFAULT_RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 3_600_000, 6 * 3_600_000];

export function evidencePackagesDir(dataDir: string) {
  return path.join(dataDir, "evidence", "packages");
}

export class EvidenceService {
  private readonly running = new Map<string, Promise<void>>();
  // One build at a time: builds hash every media byte on the media server, next
  // to live calls, and a restart may find many surveys to (re)build at once.
  private queue: Promise<void> = Promise.resolve();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly opts: EvidenceServiceOptions) {}

  /** SurveyHub's onClosed hook: starts the build and returns at once. */
  onSurveyClosed(surveyId: string): void {
    void this.build(surveyId);
  }

  /** Queues the build (or rebuild after a crash) of one survey's package; a ready or purged package is left alone. */
  build(surveyId: string): Promise<void> {
    this.cancelRetry(surveyId);
    const existing = this.running.get(surveyId);
    if (existing) return existing;
    // Never rejects: it runs detached from the request that closed the survey; failures are in the row, timeline and log.
    const run = this.queue
      .then(() => this.run(surveyId))
      .catch((err) => this.opts.log.error({ err, surveyId }, "evidence build could not run"))
      .finally(() => this.running.delete(surveyId));
    this.queue = run;
    this.running.set(surveyId, run);
    return run;
  }

  /**
   * A retry asked for by a person (agent or auditor): at once, whatever the
   * backoff says. Only a failed package (or a closed survey without one) can be
   * retried; a ready, purged or building one is a conflict.
   */
  async retryNow(surveyId: string): Promise<void> {
    const survey = await this.opts.db.survey.findUnique({ where: { id: surveyId }, select: { status: true, evidence: { select: { status: true } } } });
    if (!survey) throw new DomainError("NOT_FOUND", "No such survey.");
    if (survey.status !== "closed") throw new DomainError("CONFLICT", "The evidence package is built after the survey has ended.");
    const state = survey.evidence?.status;
    if (state && state !== "failed") throw new DomainError("CONFLICT", `The evidence package is ${state}; only a failed build can be retried.`);
    this.opts.log.info({ surveyId }, "evidence build retried on request");
    void this.build(surveyId);
  }

  /** At start: packages a crash left 'building', closed surveys that never got a row, and failed builds (retried when due). */
  async resumeInterrupted(): Promise<string[]> {
    const { db } = this.opts;
    const stuck = await db.evidencePackage.findMany({ where: { status: "building" }, select: { surveyId: true } });
    const missing = await db.survey.findMany({ where: { status: "closed", evidence: { is: null } }, select: { id: true } });
    const ids = [...new Set([...stuck.map((s) => s.surveyId), ...missing.map((s) => s.id)])];
    for (const id of ids) void this.build(id);
    const failed = await db.evidencePackage.findMany({ where: { status: "failed" }, select: { surveyId: true, nextAttemptAt: true } });
    for (const f of failed) this.scheduleRetry(f.surveyId, (f.nextAttemptAt?.getTime() ?? 0) - Date.now());
    return ids;
  }

  /** Stops the automatic retries (shutdown); builds already running finish. */
  close(): void {
    this.closed = true;
    for (const id of [...this.retryTimers.keys()]) this.cancelRetry(id);
  }

  private scheduleRetry(surveyId: string, delayMs: number): void {
    if (this.closed) return;
    this.cancelRetry(surveyId);
    const timer = setTimeout(() => {
      this.retryTimers.delete(surveyId);
      void this.build(surveyId);
    }, Math.max(0, delayMs));
    // A due retry must not keep a stopping server alive: the row carries it to the next start.
    timer.unref();
    this.retryTimers.set(surveyId, timer);
  }

  private cancelRetry(surveyId: string): void {
    const timer = this.retryTimers.get(surveyId);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(surveyId);
  }

  /** Resolves when every build started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private async run(surveyId: string): Promise<void> {
    const { db, log } = this.opts;
    const row = await db.evidencePackage.findUnique({ where: { surveyId } });
    if (row && (row.status === "ready" || row.status === "purged")) return;
    const restarted = row?.status === "building";
    await db.evidencePackage.upsert({
      where: { surveyId },
      create: { surveyId, status: "building", stage: "waiting-for-recordings", progress: 0 },
      update: { status: "building", stage: "waiting-for-recordings", progress: 0, nextAttemptAt: null },
    });
    await appendSurveyEvent(db, surveyId, { type: "evidence.building", payload: restarted ? { restarted: true } : {} });
    try {
      await this.opts.recording.finalise(surveyId);
      await this.removePartials(surveyId);
      const built = await this.withLocalMedia(async (storage) => {
        const input = await evidenceInputForSurvey(db, surveyId, { ...this.opts, storage });
        const signer = await this.opts.signer();
        const progress = this.progressWriter(surveyId);
        const done = await buildEvidencePackage(input, {
          outDir: this.opts.packagesDir,
          zip: false,
          mediaFiles: "hardlink",
          signer,
          now: this.opts.now,
          onProgress: progress.write,
          ...(this.opts.reportFonts ? { reportFonts: this.opts.reportFonts } : {}),
        });
        await progress.flush();
        return done;
      });
      // Hold and dispute may have been set while building; the stored date follows the current facts.
      const fresh = await db.survey.findUniqueOrThrow({ where: { id: surveyId }, include: { claim: true, evidence: true } });
      const retention = retentionFor(fresh.claim, fresh.closedAt ?? fresh.createdAt, fresh.evidence);
      await db.evidencePackage.update({
        where: { surveyId },
        data: {
          status: "ready",
          stage: "done",
          progress: 1,
          storagePath: built.dir,
          zipPath: null,
          manifestSha256: built.manifestSha256,
          destroyAfter: retention.destroyAfter,
          error: null,
          errorCode: null,
          errorId: null,
          attempts: 0,
          nextAttemptAt: null,
        },
      });
      await appendSurveyEvent(db, surveyId, {
        type: "evidence.ready",
        payload: { packageId: built.packageId, manifestSha256: built.manifestSha256, files: built.files.length, bytes: built.totalBytes, retainUntil: retention.decision.retainUntil, rule: retention.decision.rule },
      });
      log.info({ surveyId, packageId: built.packageId, manifestSha256: built.manifestSha256 }, "evidence package ready");
      // A TSA that failed cost the package its trusted time, not the package: the operator must hear of it.
      const unstamped = Object.entries(built.trustedTime).filter(([, o]) => typeof o === "object" && o?.status === "failed");
      if (unstamped.length) log.warn({ surveyId, packageId: built.packageId, authority: built.trustedTime.authority, failed: Object.fromEntries(unstamped) }, "evidence package built without some RFC 3161 timestamps");
    } catch (err) {
      const failure = describeJobFailure(err, "EV");
      const attempt = (row?.attempts ?? 0) + 1;
      const delays = this.opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
      const delay = delays[Math.min(attempt, delays.length) - 1]!;
      const nextAttemptAt = new Date(Date.now() + delay);
      log.error({ err, surveyId, errorId: failure.errorId, errorCode: failure.code, attempt, nextAttemptAt }, "evidence package failed; retrying later");
      await db.evidencePackage
        .update({ where: { surveyId }, data: { status: "failed", error: String((err as Error)?.message ?? err).slice(0, 4000), errorCode: failure.code, errorId: failure.errorId, attempts: attempt, nextAttemptAt } })
        .catch((e) => log.error({ err: e, surveyId }, "could not store the evidence failure"));
      // The timeline (and so the PDF and the playback page) gets the code and id, never the raw text.
      await appendSurveyEvent(db, surveyId, { type: "evidence.failed", payload: { errorCode: failure.code, errorId: failure.errorId, attempt, nextAttemptAt: nextAttemptAt.toISOString() } }).catch(() => undefined);
      this.scheduleRetry(surveyId, delay);
    }
  }

  /**
   * Runs a build with the storage's media as local files, released afterwards:
   * a remote storage may then evict its fetched copies, while the package keeps
   * its own hard links to them.
   */
  private async withLocalMedia<T>(build: (storage: Pick<RecordingStorage, "ensureLocal">) => Promise<T>): Promise<T> {
    const leased: string[] = [];
    try {
      return await build({
        ensureLocal: async (key) => {
          const file = await this.opts.storage.ensureLocal(key);
          leased.push(key);
          return file;
        },
      });
    } finally {
      await Promise.all(leased.map((key) => this.opts.storage.releaseLocal(key)));
    }
  }

  /** Writes progress at most every progressIntervalMs, and every stage change, in order. */
  private progressWriter(surveyId: string) {
    const interval = this.opts.progressIntervalMs ?? 500;
    let lastAt = 0;
    let lastStage = "";
    let chain: Promise<unknown> = Promise.resolve();
    return {
      write: (p: BuildProgress) => {
        const now = Date.now();
        if (p.stage === lastStage && now - lastAt < interval) return;
        lastAt = now;
        lastStage = p.stage;
        chain = chain
          .then(() => this.opts.db.evidencePackage.update({ where: { surveyId }, data: { stage: p.stage, progress: p.fraction } }))
          .catch((err) => this.opts.log.warn({ err, surveyId }, "could not store evidence progress"));
      },
      flush: () => chain,
    };
  }

  /** Staging folders of this survey's earlier, interrupted builds. */
  private async removePartials(surveyId: string) {
    const names = await fs.readdir(this.opts.packagesDir).catch(() => [] as string[]);
    for (const n of names) {
      if (n.startsWith(`.${surveyId}.`) && n.endsWith(".partial")) await fs.rm(path.join(this.opts.packagesDir, n), { recursive: true, force: true });
    }
  }
}
