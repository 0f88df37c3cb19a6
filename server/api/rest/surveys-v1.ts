// REST face for the insurer's claims and CRM systems:
//   POST /api/v1/surveys      open a claim + survey, get the two invite links
//   GET  /api/v1/surveys/:id  read its state back
// Authenticated by `Authorization: Bearer <key>` against CLAIMS_API_KEYS.
// POST honours `Idempotency-Key` (see idempotency.ts). Every error names its fields
// in the caller's language (Accept-Language) and never carries internal text.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { AppContext } from "../../app-context";
import { surveyRequestInput } from "../../domain/claim-input";
import { findMalformedInput, malformedInputError, safeText } from "../../domain/safe-input";
import { createClaimAndSurvey, surveyLinks } from "../../domain/surveys";
import { BodyError, readJsonBody } from "../../http/json-body";
import { errorIdOf } from "../error-id";
import { requestLocale, translate, type Locale, type MessageKey } from "../../i18n/translate";
import { describeIssues } from "../../i18n/validation-messages";
import { complete, IDEMPOTENCY_KEY, release, requestHash, reserve } from "./idempotency";
import { presentedApiKey } from "./api-key";

const createBody = surveyRequestInput.extend({
  /** Assign to this agent at once; otherwise any agent can take it from the console. */
  agentEmail: safeText({ max: 200 }).pipe(z.email("error.field.email")).optional(),
});

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  send(res, status, { error: { code, message, ...extra } });
}

function sendInvalid(res: ServerResponse, locale: Locale, error: z.ZodError) {
  const { summary, fields } = describeIssues(error.issues, locale);
  return sendError(res, 400, "VALIDATION_FAILED", summary, { fields });
}

async function surveyState(app: AppContext, id: string) {
  const s = await app.db.survey.findUnique({
    where: { id },
    include: {
      claim: true,
      agent: { select: { email: true, name: true } },
      participants: { select: { role: true, displayName: true, firstJoinAt: true, leftAt: true } },
      _count: { select: { events: true } },
    },
  });
  if (!s) return null;
  return {
    id: s.id,
    status: s.status,
    locale: s.locale,
    createdAt: s.createdAt,
    openedAt: s.openedAt,
    closedAt: s.closedAt,
    agent: s.agent,
    claim: {
      id: s.claim.id,
      claimNumber: s.claim.claimNumber,
      policyNumber: s.claim.policyNumber,
      plate: s.claim.plate,
      claimType: s.claim.claimType,
      incidentAt: s.claim.incidentAt,
      incidentPlace: s.claim.incidentPlace,
      externalRef: s.claim.externalRef,
    },
    participants: s.participants,
    liveConnections: app.hub.connectionCount(s.id),
    eventCount: s._count.events,
  };
}

export async function handleSurveysV1(app: AppContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const locale = requestLocale(req);
  const t = (key: MessageKey, params?: Record<string, string | number>) => translate(locale, key, params);
  const apiKey = presentedApiKey(app, req);
  if (!apiKey) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="claims-survey"');
    return sendError(res, 401, "UNAUTHORIZED", t("error.unauthorized"));
  }
  let reservation: string | null = null;
  try {
    if (pathname === "/api/v1/surveys" && req.method === "POST") {
      const idempotencyKey = req.headers["idempotency-key"];
      if (idempotencyKey !== undefined && (typeof idempotencyKey !== "string" || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
        return sendError(res, 400, "VALIDATION_FAILED", t("error.idempotencyKey"), { fields: [{ field: "Idempotency-Key", code: "invalid", message: t("error.idempotencyKey") }] });
      }
      const raw = await readJsonBody(req);
      const malformed = findMalformedInput(raw);
      if (malformed) return sendInvalid(res, locale, malformedInputError(malformed));
      const parsed = createBody.safeParse(raw);
      if (!parsed.success) return sendInvalid(res, locale, parsed.error);

      if (idempotencyKey) {
        const r = await reserve(app.db, apiKey, idempotencyKey, requestHash("POST", pathname, raw));
        if (r.kind === "mismatch") return sendError(res, 422, "IDEMPOTENCY_KEY_REUSED", t("error.idempotencyConflict"));
        if (r.kind === "in-flight") return sendError(res, 409, "IDEMPOTENCY_KEY_IN_USE", t("error.idempotencyBusy"), {});
        if (r.kind === "replay") {
          if (r.answer.location) res.setHeader("Location", r.answer.location);
          res.setHeader("Idempotent-Replayed", "true");
          res.writeHead(r.answer.status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
          return void res.end(r.answer.body);
        }
        reservation = r.id;
      }

      const { agentEmail, ...request } = parsed.data;
      let agentId: string | null = null;
      if (agentEmail) {
        const agent = await app.db.user.findUnique({ where: { email: agentEmail.toLowerCase() } });
        if (!agent || agent.role !== "agent" || agent.disabled) {
          if (reservation) await release(app.db, reservation);
          const message = `${t("field.agentEmail")}${locale === "zh-CN" ? "：" : ": "}${t("error.noAgent")}`;
          return sendError(res, 400, "VALIDATION_FAILED", t("error.validation", { fields: "agentEmail" }), { fields: [{ field: "agentEmail", code: "noAgent", message }] });
        }
        agentId = agent.id;
      }
      const result = await createClaimAndSurvey(
        { db: app.db, sms: app.sms, invites: { publicUrl: app.env.PUBLIC_URL, ttlHours: app.env.INVITE_TTL_HOURS } },
        { request, agentId, actor: { id: null, role: "api" } },
      );
      const location = `/api/v1/surveys/${result.surveyId}`;
      const body = JSON.stringify({
        surveyId: result.surveyId,
        claimId: result.claimId,
        claimNumber: result.claimNumber,
        status: "created",
        links: surveyLinks(result.invites),
      });
      if (reservation) await complete(app.db, reservation, { status: 201, body, location });
      reservation = null;
      res.setHeader("Location", location);
      res.writeHead(201, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      return void res.end(body);
    }
    const m = /^\/api\/v1\/surveys\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
    if (m && req.method === "GET") {
      const state = await surveyState(app, m[1]!);
      return state ? send(res, 200, state) : sendError(res, 404, "NOT_FOUND", t("error.notFound"));
    }
    return sendError(res, 404, "NOT_FOUND", t("error.notFound"));
  } catch (err) {
    if (reservation) await release(app.db, reservation).catch(() => undefined);
    if (err instanceof BodyError) {
      const message = err.status === 415 ? t("error.unsupportedMediaType") : err.status === 413 ? t("error.payloadTooLarge", { max: 1024 * 1024 }) : t("error.badRequest");
      return sendError(res, err.status, err.code, message);
    }
    const errorId = errorIdOf(err as object);
    app.log.error({ err, errorId }, "REST request failed");
    return sendError(res, 500, "INTERNAL", t("error.internal", { id: errorId }), { errorId });
  }
}
