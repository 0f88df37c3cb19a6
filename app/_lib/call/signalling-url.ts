import { signallingProtocols } from "../../../server/signalling/ws-credentials";

/** Where a page's call connects: staff name the survey; a phone offers its invite as a subprotocol, never in the URL. */
export function signallingTarget(params: { invite: string } | { surveyId: string }): { url: string; protocols: string[] } {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const base = `${proto}//${location.host}/ws/survey`;
  if ("invite" in params) return { url: base, protocols: signallingProtocols(params.invite) };
  return { url: `${base}?${new URLSearchParams({ surveyId: params.surveyId })}`, protocols: signallingProtocols() };
}
