// REST face for the insurer's claims and CRM systems:
//   POST /api/v1/surveys      open a claim + survey, get the two invite links
//   GET  /api/v1/surveys/:id  read its state back
// Authenticated by `Authorization: Bearer <key>` against CLAIMS_API_KEYS.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { AppContext } from "../../app-context";
import { constantTimeEquals } from "../../auth/secret-token";
import { surveyRequestInput } from "../../domain/claim-input";
import { createClaimAndSurvey, surveyLinks } from "../../domain/surveys";
import { BodyError, readJsonBody } from "../../http/json-body";

const createBody = surveyRequestInput.extend({
  /** Assign to this agent at once; otherwise any agent can take it from the console. */
  agentEmail: z.email().optional(),
});

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  send(res, status, { error: { code, message, ...extra } });
}

function authorised(app: AppContext, req: IncomingMessage): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) return false;
  const presented = m[1]!;
  // Compare against every key so timing does not reveal which one nearly matched.
  return app.env.CLAIMS_API_KEYS.reduce((ok, key) => constantTimeEquals(presented, key) || ok, false);
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
  if (!authorised(app, req)) {
    res.setHeader("WWW-Authenticate", 'Bearer realm="claims-survey"');
    return sendError(res, 401, "UNAUTHORIZED", "a valid API key is required: Authorization: Bearer <key>");
  }
  try {
    if (pathname === "/api/v1/surveys" && req.method === "POST") {
      const parsed = createBody.safeParse(await readJsonBody(req));
      if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
        return sendError(res, 400, "VALIDATION_FAILED", `invalid field(s): ${fields.map((f) => f.field || "(body)").join(", ")}`, { fields });
      }
      const { agentEmail, ...request } = parsed.data;
      let agentId: string | null = null;
      if (agentEmail) {
        const agent = await app.db.user.findUnique({ where: { email: agentEmail.toLowerCase() } });
        if (!agent || agent.role !== "agent" || agent.disabled) {
          return sendError(res, 400, "VALIDATION_FAILED", "invalid field(s): agentEmail", { fields: [{ field: "agentEmail", message: "no active agent with this e-mail" }] });
        }
        agentId = agent.id;
      }
      const result = await createClaimAndSurvey(
        { db: app.db, sms: app.sms, invites: { publicUrl: app.env.PUBLIC_URL, ttlHours: app.env.INVITE_TTL_HOURS } },
        { request, agentId, actor: { id: null, role: "api" } },
      );
      res.setHeader("Location", `/api/v1/surveys/${result.surveyId}`);
      return send(res, 201, {
        surveyId: result.surveyId,
        claimId: result.claimId,
        claimNumber: result.claimNumber,
        status: "created",
        links: surveyLinks(result.invites),
      });
    }
    const m = /^\/api\/v1\/surveys\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
    if (m && req.method === "GET") {
      const state = await surveyState(app, m[1]!);
      return state ? send(res, 200, state) : sendError(res, 404, "NOT_FOUND", "no survey with this id");
    }
    return sendError(res, 404, "NOT_FOUND", `no route ${req.method} ${pathname}`);
  } catch (err) {
    if (err instanceof BodyError) return sendError(res, err.status, err.code, err.message);
    app.log.error({ err }, "REST request failed");
    return sendError(res, 500, "INTERNAL", "internal error");
  }
}
