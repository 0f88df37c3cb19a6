// The call's signalling socket as a test drives it without a browser: opened
// as a phone does (the invite as a subprotocol, never in the URL) or as staff
// (the survey in the query, the session cookie), and requests matched to their
// replies by id.
import WebSocket from "ws";
import { signallingProtocols } from "../../server/signalling/ws-credentials";

export type SignalReply = { id: number | null; ok: boolean; data?: unknown; error?: { code: string; message: string } };

/** Opens the call socket; an upgrade the server refuses rejects with its HTTP status (`status`). */
export function openCallSocket(baseUrl: string, who: { invite: string } | { surveyId: string }, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const invite = "invite" in who ? who.invite : undefined;
    const url = `${baseUrl.replace("http", "ws")}/ws/survey${"surveyId" in who ? `?surveyId=${who.surveyId}` : ""}`;
    const ws = new WebSocket(url, signallingProtocols(invite), { headers });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once("error", reject);
  });
}

/**
 * Sends requests and hands each its reply by id. Replies with id null (refused
 * before parsing) are collected in `refused`. A connection that closes before
 * answering answers nothing: its pending and later requests get a CLOSED
 * reply, and `closed` says how it was closed.
 */
export function signallingClient(ws: WebSocket) {
  let next = 1;
  const waiting = new Map<number, (r: SignalReply) => void>();
  const refused: SignalReply[] = [];
  const closedReply: SignalReply = { id: null, ok: false, error: { code: "CLOSED", message: "the connection closed" } };
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => {
      for (const answer of waiting.values()) answer(closedReply);
      waiting.clear();
      resolve({ code, reason: reason.toString() });
    }),
  );
  ws.on("message", (raw) => {
    const msg = JSON.parse(raw.toString());
    if ("notification" in msg) return;
    if (msg.id === null) refused.push(msg);
    else waiting.get(msg.id)?.(msg), waiting.delete(msg.id);
  });
  return {
    refused,
    closed,
    request(method: string, data: unknown = {}): Promise<SignalReply> {
      if (ws.readyState !== ws.OPEN) return Promise.resolve(closedReply);
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, data }));
      });
    },
  };
}
