// Starts the whole product in this process: database (migrated), media
// workers, HTTP/WebSocket server and, unless disabled, the Next.js pages.
// Used by server/main.ts and by the integration tests.
import path from "node:path";
import { pino, type Logger } from "pino";
import type { Env } from "./env";
import type { AppContext } from "./app-context";
import { databaseTarget } from "./db/database-target";
import { migrateDatabase } from "./db/migrate";
import { createDb } from "./db/client";
import { seedDemoAccounts } from "./db/seed-demo";
import { OutboxSmsSender } from "./sms/outbox-sms-sender";
import { SurveyHub } from "./signalling/survey-hub";
import { createAppServer, type PageHandler } from "./http/app-server";
import { mediaConfigFrom } from "../media/media-config";
import { WorkerPool } from "../media/worker-pool";
import { RoomRegistry } from "../media/room-registry";
import { installResourceCensus } from "../media/resource-census";
import { createStorage } from "../media/recording/storage/create-storage";
import { SurveyRecordingService } from "./recording/survey-recording-service";
import { recoverInterruptedRecordings } from "./recording/recording-recovery";
import { CaptureService } from "./capture/capture-service";
import { abandonedAfterMs, scheduleAbandonedUploadSweep } from "./capture/abandoned-uploads";
import { qualityPhotoGate } from "./capture/quality-photo-gate";
import { loadQualityModel } from "./quality";
import { EvidenceService, evidencePackagesDir } from "./archive/evidence-service";
import { evidenceSignerFactory } from "./archive/evidence-signer";
import { schedulePurge } from "./archive/evidence-purge";
import { QueueService } from "./queue/queue-service";
import { startQueueTimers } from "./queue/queue-timer-loop";
import { readFileSync } from "node:fs";
import { DEFAULT_MODEL_DIR } from "./quality/load-quality-model";
import { assertRuntimeNeeds, describeMissing, type RuntimeNeed } from "./runtime-needs/self-check";

export interface StartOptions {
  env: Env;
  pages: "none" | "dev" | "production";
  log?: Logger;
  /** The run-time needs to check at start; default: scripts/setup/runtime-needs.json. */
  runtimeNeeds?: RuntimeNeed[];
}

export async function startProduct(opts: StartOptions) {
  const { env } = opts;
  const log = opts.log ?? pino({ level: env.LOG_LEVEL });
  installResourceCensus();

  // Before anything else uses them: a missing part stops the start here, named, with its fix.
  const runtimeNeeds = assertRuntimeNeeds({
    dataDir: env.DATA_DIR,
    mediaDir: env.storage.kind === "s3" ? env.storage.spoolDir : env.storage.root,
    qualityModelDir: env.QUALITY_MODEL_DIR ?? DEFAULT_MODEL_DIR,
    needs: opts.runtimeNeeds,
  });
  if (runtimeNeeds.needs.some((n) => !n.ok)) log.warn({ missing: runtimeNeeds.needs.filter((n) => !n.ok) }, describeMissing(runtimeNeeds, false));

  const target = databaseTarget(env.DATABASE_URL ?? `file:${path.join(env.DATA_DIR, "claims-survey.db")}`);
  const applied = await migrateDatabase(target);
  if (applied.length) log.info({ applied }, "database migrated");
  const db = createDb(target);
  if (env.SEED_DEMO === "1" && (await seedDemoAccounts(db))) log.info("seeded demo accounts (see README)");

  // Refuses to start on a model whose SHA-256 does not match models/quality/model.sha256.
  const model = await loadQualityModel(env.QUALITY_MODEL_DIR);
  log.info({ modelSha256: model.sha256 }, "quality model loaded");

  const storage = createStorage(env.storage, log);
  log.info({ storage: env.storage.kind === "s3" ? { bucket: env.storage.bucket, endpoint: env.storage.endpoint, prefix: env.storage.prefix, spool: env.storage.spoolDir } : { root: env.storage.root } }, `media storage: ${env.storage.kind}`);
  await recoverInterruptedRecordings({ db, storage, log }); // rows a killed server left 'recording'
  const recording = new SurveyRecordingService(db, storage, log, { muxerStartDelayMs: env.RECORDING_MUXER_START_DELAY_MS });
  const mediaConfig = mediaConfigFrom(env);
  const pool = await WorkerPool.create(mediaConfig, log);
  const rooms = new RoomRegistry(pool, mediaConfig, log, (room) => recording.attachRoom(room));
  // Evidence: built in the background once a survey closes; packages a crash left half-built are rebuilt now.
  const evidenceSigner = evidenceSignerFactory(env.DATA_DIR, env.tsa);
  const softwareVersion = (JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../package.json"), "utf8")) as { version: string }).version;
  const evidence = new EvidenceService({ db, log, storage, recording, packagesDir: evidencePackagesDir(env.DATA_DIR), signer: evidenceSigner, softwareVersion, qualityModelSha256: model.sha256,
    placeCheck: { timeMarginS: Math.round(env.PLACE_CHECK_TIME_MARGIN_MINUTES * 60), distanceMarginM: env.PLACE_CHECK_DISTANCE_METRES },
  });
  const hub = new SurveyHub(db, rooms, log, {
    beforeTeardown: (surveyId) => recording.finalise(surveyId),
    onClosed: (surveyId) => {
      evidence.onSurveyClosed(surveyId);
      // A survey from the video queue: its agent goes into wrap-up, then ready again.
      queue.surveyEnded(surveyId).catch((err) => log.error({ err, surveyId }, "queue wrap-up after the survey failed"));
    },
  });
  const resumed = await evidence.resumeInterrupted();
  if (resumed.length) log.info({ surveys: resumed }, "rebuilding interrupted evidence packages");
  const stopPurge = schedulePurge({ db, storage, signer: evidenceSigner, dataDir: env.DATA_DIR, log }, env.EVIDENCE_PURGE_INTERVAL_MINUTES * 60_000);
  const captures = new CaptureService(db, storage, qualityPhotoGate(env.QUALITY_MODEL_DIR), rooms, log, path.join(env.DATA_DIR, "capture-uploads"));
  const stopUploadSweep = scheduleAbandonedUploadSweep(captures.originals.store.directory, abandonedAfterMs(env.INVITE_TTL_HOURS), log);
  const sms = new OutboxSmsSender(db);
  const queue = new QueueService({ db, provider: target.provider, surveys: { publicUrl: env.PUBLIC_URL, ttlHours: env.INVITE_TTL_HOURS }, sms, log });
  const stopQueueTimers = startQueueTimers(queue, log);
  const app: AppContext = { env, db, log, sms, pool, rooms, hub, recording, captures, storage, evidence, runtimeNeeds, queue };

  let pages: PageHandler | null = null;
  if (opts.pages !== "none") {
    const { default: next } = await import("next");
    const nextApp = next({ dev: opts.pages === "dev", dir: path.resolve(import.meta.dirname, ".."), hostname: "localhost", port: env.PORT });
    await nextApp.prepare();
    const handle = nextApp.getRequestHandler();
    const upgrade = nextApp.getUpgradeHandler();
    pages = { handle: (req, res) => handle(req, res), upgrade: (req, socket, head) => upgrade(req, socket, head) };
  }

  const http = createAppServer(app, pages);
  await new Promise<void>((resolve, reject) => {
    http.server.once("error", reject);
    http.server.listen(env.PORT, env.HOST, () => resolve());
  });
  const address = http.server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  log.info({ port, database: target.provider, workers: pool.size }, `claims survey listening on ${env.PUBLIC_URL}`);

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      stopPurge();
      stopUploadSweep();
      evidence.close();
      stopQueueTimers();
      rooms.closeAll("server-shutdown");
      await recording.close();
      storage.close?.();
      await http.close();
      await pool.close();
      await db.$disconnect();
    })());

  return { app, port, close };
}
