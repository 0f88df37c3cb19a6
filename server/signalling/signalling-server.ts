// WebSocket upgrades on /ws/survey: authenticates the participant (staff
// cookie or invite token) and asks the access module ("call.join") before
// accepting, so an invalid link or a stranger never reaches the media layer.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { parse as parseCookies } from "cookie";
import { WebSocketServer } from "ws";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { resolveInvite } from "../domain/invites";
import { participantForInvite, participantForStaff } from "../domain/participants";
import { markSurveyOpen } from "../domain/surveys";
import { DomainError } from "../domain/errors";
import { statusOf } from "../domain/error-status";
import { assertMayEverDo, authorizeOnSurvey, type Principal } from "../domain/survey-access";
import { runPeerSession, type Admission } from "./peer-session";
import { inviteFromProtocols, SIGNALLING_PROTOCOL } from "./ws-credentials";

export const SIGNALLING_PATH = "/ws/survey";

export function createSignallingServer(app: AppContext) {
  // Answers with the protocol's name, never echoing the invite offered beside it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024, handleProtocols: (offered) => (offered.has(SIGNALLING_PROTOCOL) ? SIGNALLING_PROTOCOL : false) });

  /** Who connects, to which survey, as whom; refused with a DomainError otherwise. */
  async function admit(req: IncomingMessage, url: URL): Promise<Admission> {
    // The invite comes as a subprotocol: a token in the URL would land in proxy logs.
    const token = inviteFromProtocols(req.headers["sec-websocket-protocol"]);
    if (token !== null) {
      const invite = await resolveInvite(app.db, token);
      const principal: Principal = { kind: "invitee", invite };
      const { audience } = await authorizeOnSurvey(app.db, principal, "call.join", invite.surveyId);
      return { identity: await participantForInvite(app.db, invite), audience, expiresAt: invite.expiresAt, inviteId: invite.id };
    }
    const user = await userForSessionToken(app.db, parseCookies(req.headers.cookie ?? "")[SESSION_COOKIE]);
    const principal: Principal = user ? { kind: "staff", user } : { kind: "anonymous" };
    assertMayEverDo(principal, "call.join");
    const surveyId = url.searchParams.get("surveyId");
    if (!surveyId) throw new DomainError("BAD_REQUEST", "surveyId is required");
    const { audience } = await authorizeOnSurvey(app.db, principal, "call.join", surveyId);
    return { identity: await participantForStaff(app.db, surveyId, user!), audience, expiresAt: null, inviteId: null };
  }

  function refuse(socket: Duplex, status: number, code: string, message: string) {
    const body = JSON.stringify({ error: { code, message } });
    socket.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? "/", "http://localhost");
    let admission: Admission;
    try {
      admission = await admit(req, url);
    } catch (err) {
      if (err instanceof DomainError) {
        refuse(socket, statusOf(err.code).http, err.code, err.message);
      } else {
        app.log.error({ err }, "signalling upgrade failed");
        refuse(socket, 500, "INTERNAL", "internal error");
      }
      return;
    }
    try {
      await markSurveyOpen(app.db, admission.identity.surveyId);
      const room = await app.rooms.getOrCreate(admission.identity.surveyId);
      wss.handleUpgrade(req, socket, head, (ws) => runPeerSession(app, ws, room, admission));
    } catch (err) {
      app.log.error({ err }, "could not open the survey room");
      refuse(socket, 503, "MEDIA_UNAVAILABLE", "the media server is not available");
    }
  }

  return {
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(req, socket, head),
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
