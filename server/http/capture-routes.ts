// Photo upload from the phone and photo delivery to the call's pages.
//   POST /api/captures             raw image body; headers: X-Invite-Token,
//        Idempotency-Key, X-Capture-Item, X-Captured-At?, X-Capture-Gps? (lat,lon,accuracy)
//   POST /api/captures/viewer      header X-Invite-Token: sets the survey's photo cookie
//   GET  /api/captures/:id/thumb   ?size=large; staff session, the photo cookie or X-Invite-Token
// The invite token never travels in a URL: <img> tags cannot send a header, so
// an invitee's page first trades its token for a short-lived cookie that only
// goes to /api/captures (one per survey). Who may: server/domain/survey-access.ts.
// The body is capped while it streams in; nothing is decoded before the checks.
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { serialize as serializeCookie } from "cookie";
import { z } from "zod";
import type { AppContext } from "../app-context";
import type { CaptureService } from "../capture/capture-service";
import { resolveInvite } from "../domain/invites";
import { participantForInvite } from "../domain/participants";
import { DomainError } from "../domain/errors";
import { assertMayEverDo, authorize, authorizeOnSurvey, principalFrom } from "../domain/survey-access";
import { writeAuditLog } from "../archive/evidence-audit-log";
import { ImageUploadError } from "../uploads/upload-error";
import { httpPrincipal, inviteHeader, requestCookies, sendDomainError } from "./http-access";
import { requestLocale } from "../i18n/translate";
import { describeIssues } from "../i18n/validation-messages";

const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
/** The photo cookie lives an hour at most; the gallery renews it as photos arrive. */
const PHOTO_COOKIE_MAX_SECONDS = 3600;
export const CAPTURES_PATH = "/api/captures";
export const photoCookieName = (surveyId: string) => `cs_photos_${surveyId}`;

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

/** A body this much over the limit is cut off instead of read to its end. */
const DISCARD_AT_MOST_BYTES = 64 * 1024 * 1024;

/**
 * The body, or null when it is larger than `max`. An oversized body is still
 * read (and thrown away) up to DISCARD_AT_MOST_BYTES before the 413 goes out:
 * a server that answers and closes while the phone is still sending makes the
 * phone's browser see a broken pipe instead of the "photo too large" message.
 */
async function readCapped(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = Number.isFinite(declared) && declared > max;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) tooLarge = true;
    if (tooLarge) {
      chunks.length = 0;
      if (size > DISCARD_AT_MOST_BYTES) break;
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  return tooLarge ? null : Buffer.concat(chunks);
}

export function createCaptureRoutes(app: AppContext, captures: CaptureService) {
  async function upload(req: IncomingMessage, res: ServerResponse) {
    const token = inviteHeader(req);
    const principal = await httpPrincipal(app, req, token);
    // Only invitees upload: staff get 403, a request without a link 401, by the same rule as everywhere.
    assertMayEverDo(principal, "capture.upload");
    const invite = await resolveInvite(app.db, token!);
    authorize(principal, "capture.upload", { id: invite.surveyId, agentId: invite.survey.agentId });
    const who = await participantForInvite(app.db, invite);
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

  /** Staff who may see the survey's photos (session), or an invitee of the same survey (photo cookie). */
  async function thumb(req: IncomingMessage, res: ServerResponse, captureId: string, url: URL) {
    const capture = await app.db.capture.findUnique({ where: { id: captureId }, select: { id: true, surveyId: true, thumbSmallKey: true, thumbLargeKey: true } });
    if (!capture) throw new DomainError("NOT_FOUND", "No such photo.");
    // A script may send its link in the header; an <img> tag has the survey's photo cookie.
    const principal = await httpPrincipal(app, req, inviteHeader(req) ?? requestCookies(req)[photoCookieName(capture.surveyId)]);
    const access = await authorizeOnSurvey(app.db, principal, "capture.view", capture.surveyId);
    const large = url.searchParams.get("size") === "large";
    // Opened before the headers go out, so a missing object is an error answer, not a cut-off image.
    const body = await app.storage.open(large ? capture.thumbLargeKey : capture.thumbSmallKey);
    if (access.audited && principal.kind === "staff") await writeAuditLog(app.db, principal.user.id, "capture.view", { type: "capture", id: capture.id }, { surveyId: capture.surveyId, size: large ? "large" : "small" });
    res.writeHead(200, { "Content-Type": "image/jpeg", "Cache-Control": "private, max-age=3600" });
    await pipeline(body, res).catch(() => res.destroy());
  }

  /** Trades the invite header for the survey's photo cookie, so <img> tags need no token in their URL. */
  async function viewer(req: IncomingMessage, res: ServerResponse) {
    const token = inviteHeader(req);
    if (!token) throw new DomainError("UNAUTHORIZED", "X-Invite-Token is required");
    const invite = await resolveInvite(app.db, token);
    authorize(await principalFrom(app.db, { user: null, inviteToken: token }), "capture.view", { id: invite.surveyId, agentId: invite.survey.agentId });
    const maxAge = Math.max(1, Math.min(PHOTO_COOKIE_MAX_SECONDS, Math.floor((invite.expiresAt.getTime() - Date.now()) / 1000)));
    const cookie = serializeCookie(photoCookieName(invite.surveyId), token, {
      httpOnly: true,
      sameSite: "strict",
      secure: app.env.PUBLIC_URL.startsWith("https://"),
      path: CAPTURES_PATH,
      maxAge,
    });
    res.writeHead(204, { "Set-Cookie": cookie, "Cache-Control": "no-store" }).end();
  }

  /** Runs one of the handlers with the shared error answers. */
  const guarded =
    <A extends unknown[]>(fn: (req: IncomingMessage, res: ServerResponse, ...args: A) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse, ...args: A): Promise<void> => {
      try {
        await fn(req, res, ...args);
      } catch (err) {
        if (err instanceof ImageUploadError) {
          json(res, err.httpStatus, { error: { code: err.code, message: err.userMessage } });
        } else if (err instanceof DomainError) {
          sendDomainError(res, err);
        } else {
          app.log.error({ err }, "capture route failed");
          if (!res.headersSent) json(res, 500, { error: { code: "INTERNAL", message: "internal error" } });
          else res.destroy();
        }
      }
    };

  return { upload: guarded(upload), thumb: guarded(thumb), viewer: guarded(viewer) };
}
