// WebSocket upgrades on /ws/survey: authenticates the participant (staff
// cookie or invite token) before accepting, so an invalid link never reaches
// the media layer.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { parse as parseCookies } from "cookie";
import { WebSocketServer } from "ws";
import type { AppContext } from "../app-context";
import { SESSION_COOKIE, userForSessionToken } from "../auth/sessions";
import { resolveInvite } from "../domain/invites";
import { participantForInvite, participantForStaff, type ParticipantIdentity } from "../domain/participants";
import { markSurveyOpen } from "../domain/surveys";
import { DomainError } from "../domain/errors";
import { runPeerSession } from "./peer-session";

export const SIGNALLING_PATH = "/ws/survey";

export function createSignallingServer(app: AppContext) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });

  async function identify(req: IncomingMessage, url: URL): Promise<ParticipantIdentity> {
    const invite = url.searchParams.get("invite");
    if (invite) return participantForInvite(app.db, await resolveInvite(app.db, invite));
    const surveyId = url.searchParams.get("surveyId");
    const user = await userForSessionToken(app.db, parseCookies(req.headers.cookie ?? "")[SESSION_COOKIE]);
    if (!user) throw new DomainError("UNAUTHORIZED", "log in first");
    if (!surveyId) throw new DomainError("NOT_FOUND", "surveyId is required");
    return participantForStaff(app.db, surveyId, user);
  }

  function refuse(socket: Duplex, status: number, code: string, message: string) {
    const body = JSON.stringify({ error: { code, message } });
    socket.end(`HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? "/", "http://localhost");
    let identity: ParticipantIdentity;
    try {
      identity = await identify(req, url);
    } catch (err) {
      if (err instanceof DomainError) {
        const status = err.code === "UNAUTHORIZED" ? 401 : err.code === "FORBIDDEN" ? 403 : err.code === "NOT_FOUND" || err.code === "INVITE_INVALID" ? 404 : 410;
        refuse(socket, status, err.code, err.message);
      } else {
        app.log.error({ err }, "signalling upgrade failed");
        refuse(socket, 500, "INTERNAL", "internal error");
      }
      return;
    }
    try {
      await markSurveyOpen(app.db, identity.surveyId);
      const room = await app.rooms.getOrCreate(identity.surveyId);
      wss.handleUpgrade(req, socket, head, (ws) => runPeerSession(app, ws, room, identity));
    } catch (err) {
      app.log.error({ err }, "could not open the survey room");
      refuse(socket, 503, "MEDIA_UNAVAILABLE", "the media server is not available");
    }
  }

  return {
    handles: (pathname: string) => pathname === SIGNALLING_PATH,
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void handleUpgrade(req, socket, head),
    close: () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
