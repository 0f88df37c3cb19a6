// tRPC setup: context, error shape, and the role-checked procedure builders
// every router uses. Roles are enforced here, never in the pages.
import type { IncomingMessage, ServerResponse } from "node:http";
import { initTRPC, TRPCError } from "@trpc/server";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import superjson from "superjson";
import { z } from "zod";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { DomainError, type DomainErrorCode } from "../domain/errors";
import { resolveInvite } from "../domain/invites";
import { participantForInvite } from "../domain/participants";
import type { StaffRole } from "../domain/roles";
import { findMalformedInput, malformedInputError } from "../domain/safe-input";
import { requestLocale, translate, type Locale } from "../i18n/translate";
import { clientAddress } from "../http/client-address";
import { describeIssues } from "../i18n/validation-messages";
import { errorIdOf } from "./error-id";
import { LoginThrottledError } from "../auth/login-throttle";

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

const domainToTrpc: Record<DomainErrorCode, TRPCError["code"]> = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHORIZED: "UNAUTHORIZED",
  CONFLICT: "CONFLICT",
  INVITE_INVALID: "NOT_FOUND",
  INVITE_EXPIRED: "PRECONDITION_FAILED",
  INVITE_REVOKED: "PRECONDITION_FAILED",
  SURVEY_CLOSED: "PRECONDITION_FAILED",
  BAD_REQUEST: "BAD_REQUEST",
};

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
      message: described ? described.summary : error.message === "Batch call exceeds maximum size" ? translate(locale, "error.batchTooLarge") : shape.message,
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
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: domainToTrpc[cause.code], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(wellFormedInput).use(domainErrors);

export const staffProcedure = (...roles: StaffRole[]) =>
  publicProcedure.use(({ ctx, next }) => {
    if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "Log in first." });
    if (roles.length > 0 && !roles.includes(ctx.user.role as StaffRole)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `This needs one of the roles: ${roles.join(", ")}.` });
    }
    return next({ ctx: { ...ctx, user: ctx.user } });
  });

/** A policyholder or invited adjuster, identified by the invite token header. */
export const inviteeProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.inviteToken) throw new TRPCError({ code: "UNAUTHORIZED", message: "This needs a survey invite." });
  const invite = await resolveInvite(ctx.app.db, ctx.inviteToken);
  const participant = await participantForInvite(ctx.app.db, invite);
  return next({ ctx: { ...ctx, invite, participant } });
});
