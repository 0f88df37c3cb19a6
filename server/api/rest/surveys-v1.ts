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
import { safeText } from "../../domain/safe-input";
import { createClaimAndSurvey, surveyLinks } from "../../domain/surveys";
import { createOnce, handleRestRequest, notFound, RestProblem, sendJson } from "./rest-endpoint";

const createBody = surveyRequestInput.extend({
  /** Assign to this agent at once; otherwise any agent can take it from the console. */
  agentEmail: safeText({ max: 200 }).pipe(z.email("error.field.email")).optional(),
});

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

export function handleSurveysV1(app: AppContext, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  return handleRestRequest(app, req, res, pathname, async (r) => {
    if (pathname === "/api/v1/surveys" && req.method === "POST") {
      return createOnce(r, createBody, async ({ agentEmail, ...request }) => {
        let agentId: string | null = null;
        if (agentEmail) {
          const agent = await app.db.user.findUnique({ where: { email: agentEmail.toLowerCase() } });
          if (!agent || agent.role !== "agent" || agent.disabled) throw RestProblem.field(r.locale, "agentEmail", "field.agentEmail", "noAgent", "error.noAgent");
          agentId = agent.id;
        }
        const result = await createClaimAndSurvey(
          { db: app.db, sms: app.sms, invites: { publicUrl: app.env.PUBLIC_URL, ttlHours: app.env.INVITE_TTL_HOURS } },
          { request, agentId, actor: { id: null, role: "api" } },
        );
        return {
          location: `/api/v1/surveys/${result.surveyId}`,
          body: { surveyId: result.surveyId, claimId: result.claimId, claimNumber: result.claimNumber, status: "created", links: surveyLinks(result.invites) },
        };
      });
    }
    const m = /^\/api\/v1\/surveys\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
    if (m && req.method === "GET") {
      const state = await surveyState(app, m[1]!);
      if (!state) throw notFound(r);
      return sendJson(res, 200, state);
    }
    throw notFound(r);
  });
}
