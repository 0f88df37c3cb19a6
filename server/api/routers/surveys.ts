// The claims agent's side of surveys: open a claim with its survey, follow it,
// reissue or withdraw links, end it.
import { z } from "zod";
import { endWithoutStatementSchema } from "../../domain/statement-end-rule";
import type { Db } from "../../db/client";
import { surveyRequestInput } from "../../domain/claim-input";
import { DomainError } from "../../domain/errors";
import { issueInvite, revokeInvite } from "../../domain/invites";
import { inviteRole } from "../../domain/roles";
import { createClaimAndSurvey, surveyLinks } from "../../domain/surveys";
import { parseEventPayload } from "../../domain/survey-events";
import { visibleSurveysWhere } from "../../domain/survey-access";
import { allowedFor, router, staffSurveyProcedure } from "../trpc";

/** The survey with what the agent's page shows; who may see it was checked by the procedure. */
async function surveyForStaff(db: Db, id: string) {
  return db.survey.findUniqueOrThrow({
    where: { id },
    include: { claim: true, agent: { select: { id: true, name: true } }, participants: true, invites: { orderBy: { createdAt: "desc" } } },
  });
}

export const surveysRouter = router({
  create: allowedFor("surveys.create").input(surveyRequestInput).mutation(async ({ ctx, input }) => {
    const result = await createClaimAndSurvey(
      { db: ctx.app.db, sms: ctx.app.sms, invites: { publicUrl: ctx.app.env.PUBLIC_URL, ttlHours: ctx.app.env.INVITE_TTL_HOURS } },
      { request: input, agentId: ctx.user.id, actor: { id: ctx.user.id, role: ctx.user.role } },
    );
    return {
      surveyId: result.surveyId,
      claimNumber: result.claimNumber,
      links: surveyLinks(result.invites),
    };
  }),

  list: allowedFor("surveys.list")
    .input(z.object({ status: z.enum(["created", "open", "closed", "active"]).default("active") }).optional())
    .query(async ({ ctx, input }) => {
      const status = input?.status ?? "active";
      return ctx.app.db.survey.findMany({
        where: {
          ...(status === "active" ? { status: { in: ["created", "open"] } } : { status }),
          ...visibleSurveysWhere(ctx.principal),
        },
        orderBy: { createdAt: "desc" },
        take: 100,
        select: {
          id: true,
          status: true,
          createdAt: true,
          openedAt: true,
          closedAt: true,
          agentId: true,
          claim: { select: { claimNumber: true, policyNumber: true, plate: true, policyholderName: true, claimType: true } },
        },
      });
    }),

  get: staffSurveyProcedure("survey.read").query(async ({ ctx, input }) => {
    const s = await surveyForStaff(ctx.app.db, input.surveyId);
    return {
      id: s.id,
      status: s.status,
      locale: s.locale,
      createdAt: s.createdAt,
      openedAt: s.openedAt,
      closedAt: s.closedAt,
      agent: s.agent,
      claim: s.claim,
      participants: s.participants.map((p) => ({ id: p.id, role: p.role, displayName: p.displayName, firstJoinAt: p.firstJoinAt, leftAt: p.leftAt })),
      invites: s.invites.map((i) => ({ id: i.id, role: i.role, expiresAt: i.expiresAt, revokedAt: i.revokedAt, createdAt: i.createdAt, sentTo: i.sentTo })),
      liveConnections: ctx.app.hub.connectionCount(s.id),
    };
  }),

  timeline: staffSurveyProcedure("survey.read").query(async ({ ctx, input }) => {
    const rows = await ctx.app.db.surveyEvent.findMany({ where: { surveyId: input.surveyId }, orderBy: { seq: "asc" } });
    return rows.map((r) => ({ seq: r.seq, at: r.at, type: r.type, actorId: r.actorId, actorRole: r.actorRole, payload: parseEventPayload(r.payload) }));
  }),

  /** A new link for a role (lost SMS, new adjuster); the previous link stops working. */
  reissueInvite: staffSurveyProcedure("survey.invites").input(z.object({ role: inviteRole })).mutation(async ({ ctx, input }) => {
    const s = await surveyForStaff(ctx.app.db, input.surveyId);
    if (s.status === "closed") throw new DomainError("SURVEY_CLOSED", "This survey has ended.");
    const replaced = s.invites.filter((i) => i.role === input.role && !i.revokedAt).map((i) => i.id);
    const invite = await issueInvite(
      ctx.app.db,
      { publicUrl: ctx.app.env.PUBLIC_URL, ttlHours: ctx.app.env.INVITE_TTL_HOURS },
      {
        surveyId: s.id,
        role: input.role,
        sentTo: input.role === "policyholder" ? s.claim.policyholderMobile : null,
        // A new adjuster link keeps the adjuster's name from the previous one.
        displayName: input.role === "adjuster" ? (s.invites.find((i) => i.role === "adjuster")?.displayName ?? null) : null,
        actorId: ctx.user.id,
        actorRole: ctx.user.role,
      },
    );
    await ctx.app.hub.dropInviteHolders(input.surveyId, replaced);
    return { role: invite.role, url: invite.url, expiresAt: invite.expiresAt };
  }),

  revokeInvite: staffSurveyProcedure("survey.invites").input(z.object({ inviteId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    await revokeInvite(ctx.app.db, { inviteId: input.inviteId, surveyId: input.surveyId, actorId: ctx.user.id, actorRole: ctx.user.role });
    await ctx.app.hub.dropInviteHolders(input.surveyId, [input.inviteId]);
    return { ok: true };
  }),

  // Without the driver's signed statement only with a reason (server/domain/statement-end-rule.ts).
  end: staffSurveyProcedure("survey.end").input(z.object({ withoutStatement: endWithoutStatementSchema.optional() })).mutation(async ({ ctx, input }) => {
    await ctx.app.hub.endSurvey(input.surveyId, { id: ctx.user.id, role: ctx.user.role }, "ended_by_agent", input.withoutStatement);
    return { ok: true };
  }),
});
