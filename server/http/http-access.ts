// Who is asking over plain HTTP (a staff session cookie, an invite token in a
// header or the short-lived photo cookie), and the one way a refused or failed
// request is answered: the status from server/domain/error-status.ts, a JSON
// body with the stable code the pages translate.
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseCookies } from "cookie";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { DomainError } from "../domain/errors";
import { statusOf } from "../domain/error-status";
import { principalFrom, type Principal } from "../domain/survey-access";

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

/** A DomainError as its HTTP answer (401, 403, 404, 410, ...). */
export function sendDomainError(res: ServerResponse, err: DomainError) {
  if (res.headersSent) return void res.destroy();
  sendJson(res, statusOf(err.code).http, { error: { code: err.code, message: err.message } });
}

export function requestCookies(req: IncomingMessage): Record<string, string | undefined> {
  return parseCookies(req.headers.cookie ?? "");
}

export async function sessionUser(app: AppContext, req: IncomingMessage) {
  return userForSessionToken(app.db, requestCookies(req)[SESSION_COOKIE]);
}

/**
 * The principal of an HTTP request. `inviteToken` is the link token the route
 * accepts (the X-Invite-Token header, or the photo cookie of the survey); an
 * invite, when presented, names the caller.
 */
export async function httpPrincipal(app: AppContext, req: IncomingMessage, inviteToken?: string | null): Promise<Principal> {
  return principalFrom(app.db, { user: await sessionUser(app, req), inviteToken: inviteToken ?? null });
}

export function inviteHeader(req: IncomingMessage): string | null {
  const v = req.headers["x-invite-token"];
  return typeof v === "string" ? v : null;
}
