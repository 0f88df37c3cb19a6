// REST face of the video-reporting queue for the insurer's own app:
//   POST /api/v1/queue-entries      put a driver in a queue; get the entry, its place and the driver's link
//   GET  /api/v1/queue-entries/:id  poll the outcome: position and estimated wait, then answered (survey, agent) or abandoned
// Same conventions as surveys-v1.ts: Bearer API key, Idempotency-Key on POST,
// errors as 4xx naming the field in the caller's language.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { AppContext } from "../../app-context";
import { findMalformedInput, malformedInputError } from "../../domain/safe-input";
import { BodyError, readJsonBody } from "../../http/json-body";
import { requestLocale, translate, type Locale, type MessageKey } from "../../i18n/translate";
import { describeIssues } from "../../i18n/validation-messages";
import { QueueError } from "../../queue/queue-errors";
import { queueEntryInput } from "../../queue/queue-entry-input";
import { errorIdOf } from "../error-id";
import { complete, IDEMPOTENCY_KEY, release, requestHash, reserve } from "./idempotency";
import { presentedApiKey } from "./api-key";
import { inviteUrl } from "../../domain/invites";

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  send(res, status, { error: { code, message, ...extra } });
}

function sendInvalid(res: ServerResponse, locale: Locale, error: z.ZodError) {
  const { summary, fields } = describeIssues(error.issues, locale);
  return sendError(res, 400, "VALIDATION_FAILED", summary, { fields });
}

function fieldProblem(locale: Locale, field: string, labelKey: MessageKey, code: string, messageKey: MessageKey) {
  const message = `${translate(locale, labelKey)}${locale === "zh-CN" ? "：" : ": "}${translate(locale, messageKey)}`;
  return { summary: translate(locale, "error.validation", { fields: field }), fields: [{ field, code, message }] };
}

async function entryState(app: AppContext, id: string) {
  const status = await app.queue.entryStatus(id);
  const entry = await app.db.queueEntry.findUniqueOrThrow({ where: { id }, select: { assignedAgentId: true } });
  const queue = await app.db.queue.findUnique({ where: { id: status.queueId }, select: { name: true } });
  const agent = entry.assignedAgentId ? await app.db.user.findUnique({ where: { id: entry.assignedAgentId }, select: { email: true, name: true } }) : null;
  return { ...status, queue: queue?.name ?? null, agent };
}

export async function handleQueueEntriesV1(app: AppContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const locale = requestLocale(req);
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
  const apiKey = presentedApiKey(app, req);
  if (!apiKey) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="claims-survey"');
    return sendError(res, 401, "UNAUTHORIZED", t("error.unauthorized"));
  }
  let reservation: string | null = null;
  try {
    if (pathname === "/api/v1/queue-entries" && req.method === "POST") {
      const idempotencyKey = req.headers["idempotency-key"];
      if (idempotencyKey !== undefined && (typeof idempotencyKey !== "string" || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
        return sendError(res, 400, "VALIDATION_FAILED", t("error.idempotencyKey"), { fields: [{ field: "Idempotency-Key", code: "invalid", message: t("error.idempotencyKey") }] });
      }
      const raw = await readJsonBody(req);
      const malformed = findMalformedInput(raw);
      if (malformed) return sendInvalid(res, locale, malformedInputError(malformed));
      const parsed = queueEntryInput.safeParse(raw);
      if (!parsed.success) return sendInvalid(res, locale, parsed.error);
      const body = parsed.data;

      if (idempotencyKey) {
        const r = await reserve(app.db, apiKey, idempotencyKey, requestHash("POST", pathname, raw));
        if (r.kind === "mismatch") return sendError(res, 422, "IDEMPOTENCY_KEY_REUSED", t("error.idempotencyConflict"));
        if (r.kind === "in-flight") return sendError(res, 409, "IDEMPOTENCY_KEY_IN_USE", t("error.idempotencyBusy"));
        if (r.kind === "replay") {
          if (r.answer.location) res.setHeader("Location", r.answer.location);
          res.setHeader("Idempotent-Replayed", "true");
          res.writeHead(r.answer.status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
          return void res.end(r.answer.body);
        }
        reservation = r.id;
      }

      const queue = await app.db.queue.findUnique({ where: { name: body.queue } });
      if (!queue) {
        if (reservation) await release(app.db, reservation);
        const p = fieldProblem(locale, "queue", "field.queue", "noQueue", "error.noQueue");
        return sendError(res, 400, "VALIDATION_FAILED", p.summary, { fields: p.fields });
      }
      let preferredAgentId: string | null = null;
      if (body.preferredAgentEmail) {
        const agent = await app.db.user.findUnique({ where: { email: body.preferredAgentEmail.toLowerCase() } });
        if (!agent || agent.role !== "agent" || agent.disabled) {
          if (reservation) await release(app.db, reservation);
          const p = fieldProblem(locale, "preferredAgentEmail", "field.preferredAgentEmail", "noAgent", "error.noAgent");
          return sendError(res, 400, "VALIDATION_FAILED", p.summary, { fields: p.fields });
        }
        preferredAgentId = agent.id;
      }
      const entered = await app.queue.enter({
        queueId: queue.id,
        claimType: body.claimType,
        language: body.language,
        mobile: body.policyholderMobile,
        policyNumber: body.policyNumber ?? null,
        plate: body.plate ?? null,
        region: body.region ?? null,
        policyholderName: body.policyholderName ?? null,
        externalRef: body.externalRef ?? null,
        vip: body.vip,
        preferredAgentId,
      });
      const location = `/api/v1/queue-entries/${entered.entryId}`;
      const state = await entryState(app, entered.entryId);
      // The driver's link: it opens the call once an agent has answered (until then it says so).
      const answer = JSON.stringify({ ...state, joinUrl: inviteUrl(app.env.PUBLIC_URL, entered.token) });
      if (reservation) await complete(app.db, reservation, { status: 201, body: answer, location });
      reservation = null;
      res.setHeader("Location", location);
      res.writeHead(201, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      return void res.end(answer);
    }
    const m = /^\/api\/v1\/queue-entries\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
    if (m && req.method === "GET") return send(res, 200, await entryState(app, m[1]!));
    return sendError(res, 404, "NOT_FOUND", t("error.notFound"));
  } catch (err) {
    if (reservation) await release(app.db, reservation).catch(() => undefined);
    if (err instanceof QueueError && err.code === "ENTRY_NOT_FOUND") return sendError(res, 404, "NOT_FOUND", t("error.notFound"));
    if (err instanceof QueueError && err.code === "QUEUE_NOT_FOUND") {
      // The queue was removed between the look-up above and the entry: the same answer as an unknown name.
      const p = fieldProblem(locale, "queue", "field.queue", "noQueue", "error.noQueue");
      return sendError(res, 400, "VALIDATION_FAILED", p.summary, { fields: p.fields });
    }
    if (err instanceof BodyError) {
      const message = err.status === 415 ? t("error.unsupportedMediaType") : err.status === 413 ? t("error.payloadTooLarge", { max: 1024 * 1024 }) : t("error.badRequest");
      return sendError(res, err.status, err.code, message);
    }
    const errorId = errorIdOf(err as object);
    app.log.error({ err, errorId }, "REST request failed");
    return sendError(res, 500, "INTERNAL", t("error.internal", { id: errorId }), { errorId });
  }
}
