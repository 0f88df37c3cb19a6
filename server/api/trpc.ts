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

export async function createTrpcContext(app: AppContext, req: IncomingMessage, res: ServerResponse) {
  const cookies = parseCookies(req.headers.cookie ?? "");
  const sessionToken = cookies[SESSION_COOKIE];
  const user = await userForSessionToken(app.db, sessionToken);
  const inviteToken = typeof req.headers["x-invite-token"] === "string" ? req.headers["x-invite-token"] : undefined;
  const secure = app.env.PUBLIC_URL.startsWith("https://");
  return {
    app,
    user,
    sessionToken,
    inviteToken,
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
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        domainCode: cause instanceof DomainError ? cause.code : null,
        fieldErrors: cause instanceof z.ZodError ? z.flattenError(cause).fieldErrors : null,
        // Nested inputs (a list of checklist items) need the full path to put each message beside its field.
        issues: cause instanceof z.ZodError ? cause.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "number" ? p : String(p))), code: i.code, message: i.message })) : null,
      },
    };
  },
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
export const publicProcedure = t.procedure.use(domainErrors);

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
