// Photo upload from the phone and photo delivery to the call's pages.
//   POST /api/captures             raw image body; headers: X-Invite-Token,
//        Idempotency-Key, X-Capture-Item, X-Captured-At?, X-Capture-Gps? (lat,lon,accuracy),
//        X-Capture-Gps-At? (the fix's own time)
//   POST /api/captures/provisional  the compact copy (≤ 200 KB) first, same headers: a quick
//        provisional verdict while the original is still on its way
//   POST /api/captures/uploads        tus: create a resumable upload of the original
//        (Upload-Length, Upload-Metadata: key, item, sha256, capturedAt?, gps?, gpsAt?,
//        place? = refused | unavailable | unanswered when the phone has no position)
//   HEAD|PATCH /api/captures/uploads/:id   tus: how far it got / the next chunk
//   POST /api/captures/uploads/:id/commit  the complete original is hash-checked and judged
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
import { readCapped } from "./read-capped-body";
import { OriginalUploadError } from "../capture/original-upload-error";
import type { PlaceRecord } from "../domain/place-report";
import { MAX_CHUNK_BYTES, MAX_ORIGINAL_BYTES, parseDeclaredMetadata, type OriginalUpload } from "../capture/original-uploads";

const MAX_UPLOAD_BYTES = MAX_ORIGINAL_BYTES;
/** The compact copy is made ≤ 200 KB on the phone; a little slack for other encoders. */
const MAX_COMPACT_BYTES = 256 * 1024;
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
  "x-capture-gps-at": z.iso.datetime({ offset: true }).optional(),
});

/**
 * The phone's position as declared with a photo ("lat,lon[,accuracy]" and the
 * fix's time), or why it has none; null when the uploader said nothing. A
 * position outside the globe is no position.
 */
function declaredPlace(gps: string | undefined, gpsAt: string | undefined, status: "refused" | "unavailable" | "unanswered" | undefined): PlaceRecord | null {
  const n = gps?.split(",").map(Number);
  if (n && Math.abs(n[0]!) <= 90 && Math.abs(n[1]!) <= 180) return { status: "fix", lat: n[0]!, lon: n[1]!, accuracyM: n[2] ?? null, at: gpsAt ?? null };
  return status ? { status } : null;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

export function createCaptureRoutes(app: AppContext, captures: CaptureService) {
  const originals = captures.originals;

  /** The uploading participant: only invitees upload; staff get 403, a request without a link 401, by the same rule as everywhere. */
  async function uploader(req: IncomingMessage) {
    const token = inviteHeader(req);
    const principal = await httpPrincipal(app, req, token);
    assertMayEverDo(principal, "capture.upload");
    const invite = await resolveInvite(app.db, token!);
    authorize(principal, "capture.upload", { id: invite.surveyId, agentId: invite.survey.agentId });
    return participantForInvite(app.db, invite);
  }

  async function upload(req: IncomingMessage, res: ServerResponse) {
    const who = await uploader(req);
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
    const result = await captures.ingest({
      who,
      itemKey: h["x-capture-item"],
      idempotencyKey: h["idempotency-key"],
      capturedAt: h["x-captured-at"] ? new Date(h["x-captured-at"]) : null,
      place: declaredPlace(h["x-capture-gps"], h["x-capture-gps-at"], undefined),
      bytes,
    });
    return json(res, result.duplicate ? 200 : 201, result);
  }

  /** The compact copy, judged at once; the original follows through the resumable upload. */
  async function provisional(req: IncomingMessage, res: ServerResponse) {
    const who = await uploader(req);
    const headers = uploadHeaders.safeParse(req.headers);
    if (!headers.success) {
      const { fields } = describeIssues(headers.error.issues, requestLocale(req));
      return json(res, 400, { error: { code: "VALIDATION_FAILED", message: fields.map((f) => f.message).join("; "), fields: headers.error.issues.map((i) => i.path.join(".")) } });
    }
    const bytes = await readCapped(req, MAX_COMPACT_BYTES);
    if (!bytes) {
      res.setHeader("Connection", "close");
      throw new OriginalUploadError("compact_too_large");
    }
    const h = headers.data;
    const result = await captures.judgeProvisional({ who, itemKey: h["x-capture-item"], idempotencyKey: h["idempotency-key"], capturedAt: null, place: null, bytes });
    return json(res, result.duplicate ? 200 : 201, result);
  }

  /** The upload this request names, if it belongs to the uploader's survey; another survey's upload is as unknown as none. */
  async function ownUpload(req: IncomingMessage, id: string) {
    const who = await uploader(req);
    const upload = await originals.find(id);
    if (!upload || upload.surveyId !== who.surveyId) throw new OriginalUploadError("upload_unknown", id);
    return { who, upload };
  }

  /** tus creation: the phone declares size, key, item and SHA-256; the survey comes from its link. */
  async function originalCreate(req: IncomingMessage, res: ServerResponse) {
    const who = await uploader(req);
    parseDeclaredMetadata(req.headers["upload-metadata"] as string | undefined);
    const length = Number(req.headers["upload-length"]);
    if (!Number.isSafeInteger(length) || length <= 0) throw new OriginalUploadError("upload_metadata_invalid", "Upload-Length");
    if (length > MAX_ORIGINAL_BYTES) throw new OriginalUploadError("upload_too_large", String(length));
    await originals.create(req, res, { surveyId: who.surveyId, participantId: who.participantId });
  }

  /** tus HEAD (how far did it get) and PATCH (the next chunk), for the uploader's own uploads only. */
  async function originalResume(req: IncomingMessage, res: ServerResponse, id: string) {
    const { upload } = await ownUpload(req, id);
    if (req.method === "PATCH") await checkChunk(req, upload);
    await originals.tus.handle(req, res);
  }

  /** Refuses a chunk that cannot be right before tus reads it, draining it so the phone reads the answer. */
  async function checkChunk(req: IncomingMessage, upload: OriginalUpload) {
    const declared = Number(req.headers["content-length"] ?? NaN);
    const offset = Number(req.headers["upload-offset"]);
    let problem: OriginalUploadError | null = null;
    if (Number.isFinite(declared) && declared > MAX_CHUNK_BYTES) problem = new OriginalUploadError("chunk_too_large", String(declared));
    else if (!Number.isSafeInteger(offset) || offset !== upload.offset) problem = new OriginalUploadError("offset_mismatch", `${req.headers["upload-offset"]} != ${upload.offset}`);
    else if (Number.isFinite(declared) && offset + declared > upload.size) problem = new OriginalUploadError("chunk_beyond_length", `${offset}+${declared} > ${upload.size}`);
    if (!problem) return;
    await readCapped(req, 0);
    throw problem;
  }

  /** The phone says the original is complete: check its SHA-256, judge it, and answer with the capture. */
  async function originalCommit(req: IncomingMessage, res: ServerResponse, id: string) {
    const who = await uploader(req);
    // A commit retried after its answer was lost: the capture already stands.
    const key = req.headers["idempotency-key"];
    if (typeof key === "string" && /^[A-Za-z0-9_-]{8,80}$/.test(key)) {
      const done = await captures.byKey(who.surveyId, key);
      if (done) return json(res, 200, { capture: done, duplicate: true });
    }
    const { upload } = await ownUpload(req, id);
    const bytes = await originals.completeBytes(upload);
    const m = upload.meta;
    const result = await captures.ingest({
      who,
      itemKey: m.item,
      idempotencyKey: m.key,
      capturedAt: m.capturedAt ? new Date(m.capturedAt) : null,
      place: declaredPlace(m.gps, m.gpsAt, m.place),
      bytes,
    });
    await originals.remove(upload.id);
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
        if (err instanceof OriginalUploadError) {
          if (!res.headersSent) json(res, err.httpStatus, err.toJSON());
        } else if (err instanceof ImageUploadError) {
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

  return {
    upload: guarded(upload),
    provisional: guarded(provisional),
    originalCreate: guarded(originalCreate),
    originalResume: guarded(originalResume),
    originalCommit: guarded(originalCommit),
    thumb: guarded(thumb),
    viewer: guarded(viewer),
  };
}
