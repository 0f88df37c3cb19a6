// WebSocket close codes the client acts on. Kept apart from the zod protocol
// module because the phone's page imports them, and zod would cost it ~350 KB.
export const closeCodes = {
  surveyEnded: 4000,
  replaced: 4001,
  unauthorized: 4401,
  forbidden: 4403,
  gone: 4410,
  /** The connection broke the signalling limits (a flood); standard WebSocket code. */
  policyViolation: 1008,
} as const;

/** Why a peer is dropped when staff withdraw the link it joined with (closes with `gone`). */
export const LINK_WITHDRAWN = "link-withdrawn";

/** The close reason a withdrawn link's connection gets (with `gone`); the page shows the withdrawn-link notice. */
export const WITHDRAWN_CLOSE_REASON = "the link was withdrawn";

/** Why a peer is dropped when the link it joined with runs out (closes with `gone`, this as the reason). */
export const LINK_EXPIRED = "link-expired";
