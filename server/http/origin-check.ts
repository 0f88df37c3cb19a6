// Cross-site request refusal: a state-changing request or a WebSocket upgrade whose
// Origin is not one of ours is refused before anything else runs. Browsers always send
// Origin on these; a request without one (curl, a claims system) carries no ambient
// cookie of a victim's browser, so there is nothing to forge.
import type { IncomingMessage } from "node:http";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function allowedOrigins(publicUrl: string, extra: readonly string[]): Set<string> {
  return new Set([new URL(publicUrl).origin, ...extra]);
}

/** True when the request may proceed. `always` checks safe methods too (the WebSocket upgrade is a GET). */
export function originAllowed(req: IncomingMessage, allowed: ReadonlySet<string>, always = false): boolean {
  if (!always && SAFE_METHODS.has(req.method ?? "GET")) return true;
  const origin = req.headers.origin;
  if (typeof origin === "string") return origin !== "null" && allowed.has(origin);
  // No Origin: older browsers still say where a request came from in Sec-Fetch-Site.
  const site = req.headers["sec-fetch-site"];
  return site !== "cross-site" && site !== "same-site";
}
