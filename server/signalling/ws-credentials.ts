// How a phone presents its invite on the signalling WebSocket without putting
// the token in the URL (proxy logs, history): as a WebSocket subprotocol next to
// the protocol's own name. Browsers cannot set headers on a WebSocket; they can
// offer subprotocols, and the server answers with the protocol name only.
// Kept free of zod: the phone's page imports it.
export const SIGNALLING_PROTOCOL = "claims-survey.v1";
const INVITE_PREFIX = "invite.";

/** The subprotocols a page offers: the protocol, and its invite if it has one. */
export function signallingProtocols(inviteToken?: string): string[] {
  return inviteToken ? [SIGNALLING_PROTOCOL, `${INVITE_PREFIX}${inviteToken}`] : [SIGNALLING_PROTOCOL];
}

/** The invite token offered in a Sec-WebSocket-Protocol header, if any. */
export function inviteFromProtocols(header: string | undefined): string | null {
  for (const p of (header ?? "").split(",")) {
    const v = p.trim();
    if (v.startsWith(INVITE_PREFIX)) return v.slice(INVITE_PREFIX.length);
  }
  return null;
}
