// tRPC setup: context, error shape, and the access-checked procedure builders
// every router uses. Who may call what is decided in one place,
// server/domain/survey-access.ts, through the named procedures below; no
// handler checks roles or ownership itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import { initTRPC, TRPCError } from "@trpc/server";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import superjson from "superjson";
import { z } from "zod";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { hashToken } from "../auth/secret-token";
import { DomainError } from "../domain/errors";
import { statusOf } from "../domain/error-status";
import { resolveInvite } from "../domain/invites";
import { participantForInvite } from "../domain/participants";
import { auditUserId, authorize, authorizeGlobal, authorizeOnSurvey, principalFrom, type GlobalAction, type SurveyAction } from "../domain/survey-access";
import { auditActionOf, writeAuditLog, type AuditAction, type AuditTarget } from "../archive/evidence-audit-log";
import { findMalformedInput, malformedInputError } from "../domain/safe-input";
import { isMessageKey, requestLocale, translate, type Locale, type MessageKey } from "../i18n/translate";
import { clientAddress } from "../http/client-address";
import { describeIssues } from "../i18n/validation-messages";
import { errorIdOf } from "./error-id";
import { LoginThrottledError } from "../auth/login-throttle";
import { QueueError, queueDomainError } from "../queue/queue-errors";

export async function createTrpcContext(app: AppContext, req: IncomingMessage, res: ServerResponse) {
  const cookies = parseCookies(req.headers.cookie ?? "");
  const sessionToken = cookies[SESSION_COOKIE];
  const user = await userForSessionToken(app.db, sessionToken);
  const inviteToken = typeof req.headers["x-invite-token"] === "string" ? req.headers["x-invite-token"] : undefined;
  const secure = app.env.PUBLIC_URL.startsWith("https://");
  const request: { locale?: Locale; clientAddress?: string } = {
    /** The page's language, for messages the server writes. */
    locale: requestLocale(req),
    /** For log-in throttling per client address. */
    clientAddress: clientAddress(req, app.env.TRUST_PROXY === "1"),
  };
  return {
    app,
    user,
    sessionToken,
    inviteToken,
    ...request,
    setSessionCookie(token: string | null, expires?: Date) {
      res.appendHeader(
        "Set-Cookie",
        serializeCookie(SESSION_COOKIE, token ?? "", { httpOnly: true, sameSite: "lax", secure, path: "/", expires: token ? expires : new Date(0) }),
      );
    },
  };
}
export type TrpcContext = Awaited<ReturnType<typeof createTrpcContext>>;

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error, ctx }) {
    const locale = ctx?.locale ?? "en";
    const cause = error.cause;
    // Never a stack, whatever the mode.
    const { stack: _stack, ...base } = shape.data;
    // Nothing internal reaches the caller: an unexpected error becomes a translated
    // sentence and the id under which app-server.ts logged it.
    if (error.code === "INTERNAL_SERVER_ERROR") {
      const errorId = errorIdOf(error);
      return { ...shape, message: translate(locale, "error.internal", { id: errorId }), data: { ...base, errorId, domainCode: null, retryAfterSeconds: null, fieldErrors: null, issues: null } };
    }
    if (error.code === "PARSE_ERROR") return { ...shape, message: translate(locale, "error.badRequest"), data: { ...base, domainCode: null, retryAfterSeconds: null, fieldErrors: null, issues: null } };
    const described = cause instanceof z.ZodError ? describeIssues(cause.issues, locale) : null;
    const fieldErrors: Record<string, string[]> = {};
    for (const f of described?.fields ?? []) (fieldErrors[f.field.split(".")[0] || "(input)"] ??= []).push(f.message);
    return {
      ...shape,
      message: described
        ? described.summary
        : error.message === "Batch call exceeds maximum size"
          ? translate(locale, "error.batchTooLarge")
          : // A domain refusal with a sentence in the catalogue (error.<CODE>) is said in the caller's language.
            cause instanceof DomainError && isMessageKey(`error.${cause.code}`)
            ? translate(locale, `error.${cause.code}` as MessageKey)
            : shape.message,
      data: {
        ...base,
        domainCode: cause instanceof DomainError ? cause.code : null,
        retryAfterSeconds: cause instanceof LoginThrottledError ? cause.retryAfterSeconds : null,
        fieldErrors: described ? fieldErrors : null,
        // Nested inputs (a list of checklist items) need the full path to put each message beside its field.
        issues: cause instanceof z.ZodError ? cause.issues.map((i, n) => ({ path: i.path.map((p) => (typeof p === "number" ? p : String(p))), code: i.code, message: described!.fields[n]!.message })) : null,
      },
    };
  },
});

// Broken text (unpaired surrogates) and impossible dates are refused for every procedure,
// before its own schema and long before the database sees them.
const wellFormedInput = t.middleware(async ({ getRawInput, next }) => {
  const found = findMalformedInput(await getRawInput());
  if (found) throw new TRPCError({ code: "BAD_REQUEST", message: "malformed input", cause: malformedInputError(found) });
  return next();
});

// Domain errors thrown anywhere below become the matching tRPC error.
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  const raw = result.ok ? null : result.error.cause;
  const cause = raw instanceof QueueError ? queueDomainError(raw) : raw;
  if (cause instanceof DomainError) throw new TRPCError({ code: statusOf(cause.code).trpc, message: cause.message, cause });
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(wellFormedInput).use(domainErrors);

/**
 * A procedure for an action on no single survey (the archive search, the
 * checklists, the survey list). Who may: server/domain/survey-access.ts.
 */
export const allowedFor = (action: GlobalAction) =>
  publicProcedure.use(async ({ ctx, next }) => {
    const principal = await principalFrom(ctx.app.db, { user: ctx.user });
    const { audited } = authorizeGlobal(principal, action);
    // Every global action is staff-only in the table, so a user is there.
    const user = ctx.user!;
    const audit = newAuditNote();
    const result = await next({ ctx: { ...ctx, user, principal, audit } });
    if (result.ok && audited) await writeAuditLog(ctx.app.db, user.id, audit.action ?? auditActionOf(action), audit.target ?? { type: "archive", id: "surveys" }, audit.details);
    return result;
  });

/**
 * A procedure on one survey, named by `surveyId` in the input: staff by their
 * session, invitees by their link. The access module decides and says whether
 * to audit; an audited call is written once it has succeeded, with the details
 * the handler noted in `ctx.audit`.
 */
export const surveyProcedure = (action: SurveyAction) =>
  publicProcedure.input(z.object({ surveyId: z.string().min(1).max(64) })).use(async ({ ctx, input, next }) => {
    const principal = await principalFrom(ctx.app.db, { user: ctx.user, inviteToken: ctx.inviteToken });
    const { survey, audited } = await authorizeOnSurvey(ctx.app.db, principal, action, input.surveyId);
    const audit = newAuditNote();
    const result = await next({ ctx: { ...ctx, principal, survey, audit } });
    if (result.ok && audited) await writeAuditLog(ctx.app.db, auditUserId(principal), audit.action ?? auditActionOf(action), audit.target ?? { type: "survey", id: survey.id }, audit.details);
    return result;
  });

/** A survey procedure whose caller is staff (every staff action in the table): the user is in `ctx.user`. */
export const staffSurveyProcedure = (action: SurveyAction) =>
  surveyProcedure(action).use(({ ctx, next }) => {
    if (ctx.principal.kind !== "staff" || !ctx.user) throw new TRPCError({ code: "FORBIDDEN", message: "This needs a staff account." });
    return next({ ctx: { ...ctx, user: ctx.user } });
  });

/** A policyholder or invited adjuster, identified by the invite token header; the survey is the link's own. */
export const inviteeProcedure = (action: SurveyAction) =>
  publicProcedure.use(async ({ ctx, next }) => {
    if (!ctx.inviteToken) throw new DomainError("UNAUTHORIZED", "This needs a survey invite.");
    const invite = await resolveInvite(ctx.app.db, ctx.inviteToken);
    authorize({ kind: "invitee", invite }, action, { id: invite.surveyId, agentId: invite.survey.agentId });
    const participant = await participantForInvite(ctx.app.db, invite);
    return next({ ctx: { ...ctx, invite, participant } });
  });

/**
 * The driver waiting in the video-report queue, identified by the entry's own
 * secret token (given once when they entered; only its hash is stored), not by a
 * login. The entry is the token's own; an unknown token is "not found".
 */
export const queueEntryProcedure = publicProcedure.input(z.object({ entryToken: z.string().min(1).max(200) })).use(async ({ ctx, input, next }) => {
  const entry = await ctx.app.db.queueEntry.findUnique({ where: { tokenHash: hashToken(input.entryToken) }, select: { id: true, queueId: true, status: true, mobile: true } });
  if (!entry) throw new DomainError("NOT_FOUND", "No such queue entry.");
  return next({ ctx: { ...ctx, entry } });
});

/** What an audited handler adds to its AuditLog row. */
export interface AuditNote {
  details: Record<string, unknown>;
  /** When one access action has several audit names (a hold set or cleared). */
  action?: AuditAction;
  target?: AuditTarget;
}
function newAuditNote(): AuditNote {
  return { details: {} };
}
