// Everything a request handler may use, built once by server/main.ts.
import type { Logger } from "pino";
import type { Db } from "./db/client";
import type { SmsSender } from "./sms/sms-sender";
import type { Env } from "./env";
import type { WorkerPool } from "../media/worker-pool";
import type { RoomRegistry } from "../media/room-registry";
import type { SurveyHub } from "./signalling/survey-hub";
import type { RecordingControl } from "./recording/recording-control";
import type { CaptureService } from "./capture/capture-service";
import type { RecordingStorage } from "../media/recording/storage/recording-storage";
import type { EvidenceService } from "./archive/evidence-service";
import type { SelfCheckReport } from "./runtime-needs/self-check";
import type { QueueService } from "./queue/queue-service";

export interface AppContext {
  env: Env;
  db: Db;
  log: Logger;
  sms: SmsSender;
  pool: WorkerPool;
  rooms: RoomRegistry;
  hub: SurveyHub;
  recording: RecordingControl;
  captures: CaptureService;
  /** Photos, recordings and evidence: local disk by default. */
  storage: RecordingStorage;
  /** Builds (and rebuilds) evidence packages in the background. */
  evidence: EvidenceService;
  /** The start-up self-check's result, shown on /api/health. */
  runtimeNeeds: SelfCheckReport;
  /** The video-reporting queue (server/queue/). */
  queue: QueueService;
}
