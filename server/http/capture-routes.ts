// Photo upload from the phone and photo delivery to the call's pages.
//   POST /api/captures             raw image body; headers: X-Invite-Token,
//        Idempotency-Key, X-Capture-Item, X-Captured-At?, X-Capture-Gps? (lat,lon,accuracy)
//   GET  /api/captures/:id/thumb   ?size=large, ?invite=<token> for <img> tags
// The body is capped while it streams in; nothing is decoded before the checks.
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { parse as parseCookies } from "cookie";
import { z } from "zod";
import type { AppContext } from "../app-context";
import type { CaptureService } from "../capture/capture-service";
import { resolveInvite } from "../domain/invites";
import { participantForInvite } from "../domain/participants";
import { DomainError } from "../domain/errors";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { ImageUploadError } from "../uploads/upload-error";
import { requestLocale } from "../i18n/translate";
import { describeIssues } from "../i18n/validation-messages";

const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

const uploadHeaders = z.object({
  "idempotency-key": z.string().regex(/^[A-Za-z0-9_-]{8,80}$/, "Idempotency-Key must be 8-80 characters of [A-Za-z0-9_-]"),
  "x-capture-item": z.string().regex(/^[a-z0-9_]{1,64}$/, "X-Capture-Item must name a checklist item"),
  "x-captured-at": z.iso.datetime({ offset: true }).optional(),
  "x-capture-gps": z
    .string()
    .regex(/^-?\d{1,3}(\.\d+)?,-?\d{1,3}(\.\d+)?(,\d+(\.\d+)?)?$/, "X-Capture-Gps must be lat,lon[,accuracy]")
    .optional(),
});

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readCapped(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > max) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function createCaptureRoutes(app: AppContext, captures: CaptureService) {
  async function upload(req: IncomingMessage, res: ServerResponse) {
    const token = req.headers["x-invite-token"];
    if (typeof token !== "string") return json(res, 401, { error: { code: "UNAUTHORIZED", message: "X-Invite-Token is required" } });
    const who = await participantForInvite(app.db, await resolveInvite(app.db, token));
    const headers = uploadHeaders.safeParse(req.headers);
    if (!headers.success) {
      // In the caller's language, each header named; the field list stays as it was for the phone's page.
      const { fields } = describeIssues(headers.error.issues, requestLocale(req));
      return json(res, 400, { error: { code: "VALIDATION_FAILED", message: fields.map((f) => f.message).join("; "), fields: headers.error.issues.map((i) => i.path.join(".")) } });
    }
    const bytes = await readCapped(req, MAX_UPLOAD_BYTES);
    if (!bytes) {
      res.setHeader("Connection", "close");
      return json(res, 413, { error: { code: "file_too_large", message: { "zh-CN": "照片文件超过 25 MB，请降低相机分辨率后重拍。", en: "The photo is larger than 25 MB. Lower the camera resolution and try again." } } });
    }
    const h = headers.data;
    const gps = h["x-capture-gps"]?.split(",").map(Number);
    const result = await captures.ingest({
      who,
      itemKey: h["x-capture-item"],
      idempotencyKey: h["idempotency-key"],
      capturedAt: h["x-captured-at"] ? new Date(h["x-captured-at"]) : null,
      gps: gps && Math.abs(gps[0]!) <= 90 && Math.abs(gps[1]!) <= 180 ? { lat: gps[0]!, lon: gps[1]!, accuracy: gps[2] ?? null } : null,
      bytes,
    });
    return json(res, result.duplicate ? 200 : 201, result);
  }

  /** Staff of the survey (cookie) or an invitee of the same survey (?invite=). */
  async function thumb(req: IncomingMessage, res: ServerResponse, captureId: string, url: URL) {
    const capture = await app.db.capture.findUnique({ where: { id: captureId }, include: { survey: { select: { agentId: true } } } });
    if (!capture) return json(res, 404, { error: { code: "NOT_FOUND" } });
    const invite = url.searchParams.get("invite");
    let allowed = false;
    if (invite) {
      const inv = await resolveInvite(app.db, invite).catch(() => null);
      allowed = inv?.surveyId === capture.surveyId;
    } else {
      const user = await userForSessionToken(app.db, parseCookies(req.headers.cookie ?? "")[SESSION_COOKIE]);
      allowed = Boolean(user && (user.role === "admin" || user.role === "auditor" || (user.role === "agent" && (!capture.survey.agentId || capture.survey.agentId === user.id))));
    }
    if (!allowed) return json(res, 403, { error: { code: "FORBIDDEN" } });
    const key = url.searchParams.get("size") === "large" ? capture.thumbLargeKey : capture.thumbSmallKey;
    // Opened before the headers go out, so a missing object is an error answer, not a cut-off image.
    const body = await app.storage.open(key);
    res.writeHead(200, { "Content-Type": "image/jpeg", "Cache-Control": "private, max-age=86400" });
    await pipeline(body, res).catch(() => res.destroy());
  }

  return async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    try {
      if (url.pathname === "/api/captures" && req.method === "POST") return (await upload(req, res), true);
      const m = /^\/api\/captures\/([A-Za-z0-9_-]{1,64})\/thumb$/.exec(url.pathname);
      if (m && req.method === "GET") return (await thumb(req, res, m[1]!, url), true);
      return false;
    } catch (err) {
      if (err instanceof ImageUploadError) {
        json(res, err.httpStatus, { error: { code: err.code, message: err.userMessage } });
      } else if (err instanceof DomainError) {
        const status = err.code === "INVITE_INVALID" || err.code === "NOT_FOUND" ? 404 : err.code === "BAD_REQUEST" ? 400 : err.code === "CONFLICT" ? 409 : 410;
        json(res, status, { error: { code: err.code, message: err.message } });
      } else {
        app.log.error({ err }, "capture route failed");
        if (!res.headersSent) json(res, 500, { error: { code: "INTERNAL", message: "internal error" } });
        else res.destroy();
      }
      return true;
    }
  };
}
