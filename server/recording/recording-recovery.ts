// Crash recovery at start: a server killed mid-recording (SIGKILL, power loss,
// OOM) leaves `Recording` rows in status 'recording' and WebM files without
// Cues/Duration (ffmpeg died with the server). Before any room opens, each such
// file is repaired (`repairRecording`: frames copied unchanged, trailer added),
// its continuity log gets the `stop` it never had (cause 'server-crash', at the
// file's last write), and the row is finalised with size, duration and SHA-256
// — or marked 'failed' when nothing playable is left. When the survey records
// again, the recorder numbers its files after these and opens each new log
// with a 'rejoin' gap pointing at the recovered file (see SurveyRecorder).
import { appendFile, readFile, stat } from "node:fs/promises";
import type { Logger } from "pino";
import type { Db } from "../db/client";
import { appendSurveyEvent } from "../domain/survey-events";
import { repairRecording } from "../../media/recording/repair-recording";
import { probeMedia, type ProbedMedia } from "../../media/recording/probe-media";
import { continuityEntrySchema, type ContinuityEntry } from "../../media/recording/continuity-log";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import type { RecordingStatus } from "../domain/recording-status";

async function readLog(file: string): Promise<ContinuityEntry[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  const out: ContinuityEntry[] = [];
  // A line cut short by the kill is dropped; every complete line is kept.
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(continuityEntrySchema.parse(JSON.parse(line)));
    } catch {
      /* torn last line */
    }
  }
  return out;
}

export interface RecoveredRecording {
  id: string;
  surveyId: string;
  status: Exclude<RecordingStatus, "recording">;
  storageKey: string;
}

export async function recoverInterruptedRecordings(deps: { db: Db; storage: RecordingStorage; log: Logger }): Promise<RecoveredRecording[]> {
  const { db, storage, log } = deps;
  const rows = await db.recording.findMany({ where: { status: "recording" } });
  const out: RecoveredRecording[] = [];
  for (const row of rows) {
    try {
      out.push(await recoverOne(db, storage, log, row));
    } catch (err) {
      log.error({ err, recordingId: row.id }, "could not recover an interrupted recording");
    }
  }
  if (out.length) log.info({ recovered: out.map((r) => `${r.storageKey}:${r.status}`) }, "recordings interrupted by a crash recovered");
  return out;
}

type Row = { id: string; surveyId: string; participantId: string; role: string; kind: string; storageKey: string; startedAt: Date };

async function recoverOne(db: Db, storage: RecordingStorage, log: Logger, row: Row): Promise<RecoveredRecording> {
  // The row is inserted at the first frame, before the key is known to it; the
  // recorder names files <surveyId>/<trackId>.webm and the row id is the trackId.
  let mediaKey = row.storageKey || `${row.surveyId}/${row.id}.webm`;
  const listed = await storage.list(`${row.surveyId}/`);
  if (!listed.some((o) => o.key === mediaKey)) {
    const byName = listed.find((o) => o.key.endsWith(`/${row.id}.webm`));
    if (byName) mediaKey = byName.key;
  }
  const logKey = mediaKey.replace(/\.webm$/, ".continuity.jsonl");
  // Usually the spool still holds the file the killed recorder wrote. A remote
  // storage may already have uploaded and evicted it (killed after the upload,
  // before the row was updated): then it is fetched back.
  const leased: string[] = [];
  const local = async (key: string) => {
    if (!listed.some((o) => o.key === key)) return storage.localPath(key);
    const file = await storage.ensureLocal(key);
    leased.push(key);
    return file;
  };
  try {
    return await recoverFiles(db, storage, log, row, mediaKey, logKey, await local(mediaKey), await local(logKey));
  } finally {
    await Promise.all(leased.map((key) => storage.releaseLocal(key)));
  }
}

async function recoverFiles(db: Db, storage: RecordingStorage, log: Logger, row: Row, mediaKey: string, logKey: string, mediaFile: string, logFile: string): Promise<RecoveredRecording> {

  const st = await stat(mediaFile).catch(() => null);
  const lastWriteMs = st ? st.mtime.getTime() : Date.now();
  let probed: ProbedMedia | null = null;
  let repairError: string | undefined;
  if (st && st.size > 0) {
    try {
      await repairRecording(mediaFile);
    } catch (err) {
      repairError = (err as Error).message;
      log.warn({ err, key: mediaKey }, "repair of an interrupted recording failed; keeping the file as it is");
    }
    probed = await probeMedia(mediaFile);
  }

  const entries = await readLog(logFile);
  const stop: ContinuityEntry = {
    v: 1,
    type: "stop",
    at: new Date(lastWriteMs).toISOString(),
    trackId: row.id,
    rtpTimestamp: null,
    mediaTimeMs: probed?.durationMs ?? null,
    cause: "server-crash",
  };
  entries.push(stop);
  if (st) await appendFile(logFile, `${JSON.stringify(stop)}\n`);

  let size = 0;
  let sha256: string | null = null;
  if (st) {
    const fin = await storage.finalise(mediaKey);
    size = fin.size;
    sha256 = fin.sha256 ?? null;
    await storage.finalise(logKey).catch(() => undefined);
  }
  const status = probed ? "finalised" : "failed";
  await db.recording.update({
    where: { id: row.id },
    data: {
      codec: probed?.codec ?? "",
      storageKey: st ? mediaKey : "",
      endedAt: new Date(lastWriteMs),
      durationMs: probed?.durationMs ?? 0,
      byteSize: size,
      sha256,
      continuity: JSON.stringify(entries),
      status,
    },
  });
  await appendSurveyEvent(db, row.surveyId, {
    type: "recording.track.finalised",
    actorId: row.participantId,
    actorRole: row.role,
    payload: {
      trackId: row.id,
      kind: row.kind,
      durationMs: probed?.durationMs ?? 0,
      sha256,
      stopCause: "server-crash",
      recovered: true,
      ...(status === "failed" ? { error: repairError ?? (st ? "no playable media" : "file missing") } : {}),
    },
  });
  return { id: row.id, surveyId: row.surveyId, status, storageKey: mediaKey };
}
