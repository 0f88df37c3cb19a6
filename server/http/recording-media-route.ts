// GET /api/recordings/:id/media — a recorded track for the playback page, with
// HTTP Range support so browsers can seek. Who may play it is decided by
// server/domain/survey-access.ts ("recording.play"); an audited playback (an
// auditor's) is written to the audit log on every request, with the byte range
// it asked for, so no range of a file is served unlogged.
// Bytes come from the storage (a local file, or ranged reads of the S3 object).
import { pipeline } from "node:stream/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "../app-context";
import { DomainError } from "../domain/errors";
import { assertMayEverDo, authorize } from "../domain/survey-access";
import { writeAuditLog } from "../archive/evidence-audit-log";
import { httpPrincipal, sendDomainError } from "./http-access";

export async function handleRecordingMedia(app: AppContext, req: IncomingMessage, res: ServerResponse, recordingId: string) {
  try {
    await serve(app, req, res, recordingId);
  } catch (err) {
    if (err instanceof DomainError) return sendDomainError(res, err);
    throw err;
  }
}

async function serve(app: AppContext, req: IncomingMessage, res: ServerResponse, recordingId: string) {
  const principal = await httpPrincipal(app, req);
  assertMayEverDo(principal, "recording.play");
  const rec = await app.db.recording.findUnique({ where: { id: recordingId }, include: { survey: { select: { id: true, agentId: true } } } });
  if (!rec || !rec.storageKey) throw new DomainError("NOT_FOUND", "No such recording.");
  const access = authorize(principal, "recording.play", rec.survey);
  const stored = await app.storage.stat(rec.storageKey);
  if (!stored) return void res.writeHead(410, { "Content-Type": "text/plain" }).end("this recording is no longer stored (purged)");
  const size = stored.size;
  const type = rec.kind === "video" ? "video/webm" : "audio/webm";
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  const ranged = Boolean(m && (m[1] || m[2]));
  const start = ranged ? (m![1] ? Number(m![1]) : Math.max(0, size - Number(m![2]))) : 0;
  const end = ranged && m![1] && m![2] ? Math.min(Number(m![2]), size - 1) : size - 1;
  if (ranged && (start > end || start >= size)) return void res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
  if (access.audited && principal.kind === "staff") {
    await writeAuditLog(app.db, principal.user.id, "recording.play", { type: "recording", id: rec.id }, { surveyId: rec.surveyId, range: ranged ? [start, end] : null, size });
  }
  if (ranged) {
    const body = await app.storage.open(rec.storageKey, { start, end });
    res.writeHead(206, { "Content-Type": type, "Content-Length": end - start + 1, "Content-Range": `bytes ${start}-${end}/${size}`, "Accept-Ranges": "bytes", "Cache-Control": "private, no-store" });
    return send(body, res);
  }
  const body = await app.storage.open(rec.storageKey);
  res.writeHead(200, { "Content-Type": type, "Content-Length": size, "Accept-Ranges": "bytes", "Cache-Control": "private, no-store" });
  return send(body, res);
}

/** A viewer that seeks or leaves closes the response early; that is not an error worth more than ending the read. */
async function send(body: NodeJS.ReadableStream, res: ServerResponse) {
  await pipeline(body, res).catch(() => res.destroy());
}
