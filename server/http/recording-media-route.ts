// GET /api/recordings/:id/media — a recorded track for the playback page, with
// HTTP Range support so browsers can seek. The agent who ran the survey,
// auditors and admins only; an auditor's playback is written to the audit log.
// Bytes come from the storage (a local file, or ranged reads of the S3 object).
import { pipeline } from "node:stream/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies } from "cookie";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";

export async function handleRecordingMedia(app: AppContext, req: IncomingMessage, res: ServerResponse, recordingId: string) {
  const user = await userForSessionToken(app.db, parseCookies(req.headers.cookie ?? "")[SESSION_COOKIE]);
  if (!user) return void res.writeHead(401).end();
  const rec = await app.db.recording.findUnique({ where: { id: recordingId }, include: { survey: { select: { agentId: true } } } });
  if (!rec || !rec.storageKey) return void res.writeHead(404).end();
  const allowed = user.role === "admin" || user.role === "auditor" || (user.role === "agent" && rec.survey.agentId === user.id);
  if (!allowed) return void res.writeHead(403).end();
  if (user.role === "auditor" && !req.headers.range?.match(/^bytes=[1-9]/)) {
    // Log the start of a playback, not every seek.
    await app.db.auditLog.create({ data: { userId: user.id, action: "recording.play", targetType: "recording", targetId: rec.id, details: JSON.stringify({ surveyId: rec.surveyId }) } });
  }
  const stored = await app.storage.stat(rec.storageKey);
  if (!stored) return void res.writeHead(410, { "Content-Type": "text/plain" }).end("this recording is no longer stored (purged)");
  const size = stored.size;
  const type = rec.kind === "video" ? "video/webm" : "audio/webm";
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  if (m && (m[1] || m[2])) {
    const start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
    const end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start > end || start >= size) return void res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
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
