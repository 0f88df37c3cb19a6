// What every REST endpoint of /api/v1 shares, in one place: the Bearer API key,
// JSON answers that are never cached, how a problem becomes a 4xx in the
// caller's language (never a 500 with internal text), and the create path with
// Idempotency-Key (see idempotency.ts): validate, reserve, create once, replay.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { AppContext } from "../../app-context";
import { findMalformedInput, malformedInputError } from "../../domain/safe-input";
import { BodyError, readJsonBody } from "../../http/json-body";
import { requestLocale, translate, type Locale, type MessageKey } from "../../i18n/translate";
import { describeIssues } from "../../i18n/validation-messages";
import { errorIdOf } from "../error-id";
import { complete, IDEMPOTENCY_KEY, release, requestHash, reserve } from "./idempotency";
import { presentedApiKey } from "./api-key";

/** A request the endpoint refuses: status, stable code, a message in the caller's language. */
export class RestProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** One named field is wrong ("queue: there is no queue with this name"), as a 400 like zod's. */
  static field(locale: Locale, field: string, labelKey: MessageKey, code: string, messageKey: MessageKey): RestProblem {
    const message = `${translate(locale, labelKey)}${locale === "zh-CN" ? "：" : ": "}${translate(locale, messageKey)}`;
    return new RestProblem(400, "VALIDATION_FAILED", translate(locale, "error.validation", { fields: field }), { fields: [{ field, code, message }] });
  }
}

export interface RestRequest {
  app: AppContext;
  req: IncomingMessage;
  res: ServerResponse;
  pathname: string;
  locale: Locale;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  apiKey: string;
}

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function sendProblem(res: ServerResponse, p: RestProblem): void {
  sendJson(res, p.status, { error: { code: p.code, message: p.message, ...p.extra } });
}

/**
 * Runs one REST request: refuses it without a valid API key, and turns whatever
 * the route throws into an answer — a RestProblem as itself, a bad body as its
 * 4xx, anything else as a 500 that carries only an error id (the log has the rest).
 * `mapError` lets an endpoint name its own domain errors as problems.
 */
export async function handleRestRequest(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  route: (r: RestRequest) => Promise<void>,
  mapError: (err: unknown, r: RestRequest) => RestProblem | null = () => null,
): Promise<void> {
  const locale = requestLocale(req);
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
  const apiKey = presentedApiKey(app, req);
  if (!apiKey) return sendJson(res, 401, { error: { code: "UNAUTHORIZED", message: t("error.unauthorized") } }, { "WWW-Authenticate": 'Bearer realm="claims-survey"' });
  const r: RestRequest = { app, req, res, pathname, locale, t, apiKey };
  try {
    await route(r);
  } catch (err) {
    if (err instanceof RestProblem) return sendProblem(res, err);
    const mapped = mapError(err, r);
    if (mapped) return sendProblem(res, mapped);
    if (err instanceof BodyError) {
      const message = err.status === 415 ? t("error.unsupportedMediaType") : err.status === 413 ? t("error.payloadTooLarge", { max: 1024 * 1024 }) : t("error.badRequest");
      return sendProblem(res, new RestProblem(err.status, err.code, message));
    }
    const errorId = errorIdOf(err as object);
    app.log.error({ err, errorId }, "REST request failed");
    return sendProblem(res, new RestProblem(500, "INTERNAL", t("error.internal", { id: errorId }), { errorId }));
  }
}

/** The 404 of an unknown path or id. */
export function notFound(r: RestRequest): RestProblem {
  return new RestProblem(404, "NOT_FOUND", r.t("error.notFound"));
}

/**
 * POST that creates something, at most once per Idempotency-Key: the header and
 * the body are checked (unsafe text, then the schema) before anything is
 * reserved; a key seen before replays its stored answer, a key in use or reused
 * with another body is refused. `create` may throw a RestProblem (a field that
 * names nothing): the key is then released, so a corrected request can use it.
 */
export async function createOnce<S extends z.ZodType>(
  r: RestRequest,
  schema: S,
  create: (input: z.infer<S>) => Promise<{ location: string; body: unknown }>,
): Promise<void> {
  const { app, req, res, pathname, t } = r;
  const idempotencyKey = req.headers["idempotency-key"];
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== "string" || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
    throw new RestProblem(400, "VALIDATION_FAILED", t("error.idempotencyKey"), { fields: [{ field: "Idempotency-Key", code: "invalid", message: t("error.idempotencyKey") }] });
  }
  const raw = await readJsonBody(req);
  const malformed = findMalformedInput(raw);
  const parsed = malformed ? null : schema.safeParse(raw);
  const invalid = malformed ? malformedInputError(malformed) : parsed && !parsed.success ? parsed.error : null;
  if (invalid) {
    const { summary, fields } = describeIssues(invalid.issues, r.locale);
    throw new RestProblem(400, "VALIDATION_FAILED", summary, { fields });
  }

  let reservation: string | null = null;
  if (idempotencyKey) {
    const got = await reserve(app.db, r.apiKey, idempotencyKey, requestHash("POST", pathname, raw));
    if (got.kind === "mismatch") throw new RestProblem(422, "IDEMPOTENCY_KEY_REUSED", t("error.idempotencyConflict"));
    if (got.kind === "in-flight") throw new RestProblem(409, "IDEMPOTENCY_KEY_IN_USE", t("error.idempotencyBusy"));
    if (got.kind === "replay") {
      return sendJson(res, got.answer.status, got.answer.body, { "Idempotent-Replayed": "true", ...(got.answer.location ? { Location: got.answer.location } : {}) });
    }
    reservation = got.id;
  }
  try {
    const { location, body } = await create(parsed!.data as z.infer<S>);
    const text = JSON.stringify(body);
    if (reservation) await complete(app.db, reservation, { status: 201, body: text, location });
    reservation = null;
    sendJson(res, 201, text, { Location: location });
  } finally {
    if (reservation) await release(app.db, reservation).catch(() => undefined);
  }
}
