// The claims-system API's key check, shared by every /api/v1 handler.
import type { IncomingMessage } from "node:http";
import type { AppContext } from "../../app-context";
import { constantTimeEquals } from "../../auth/secret-token";

/** The API key presented as `Authorization: Bearer <key>`, if it is one of ours. */
export function presentedApiKey(app: AppContext, req: IncomingMessage): string | null {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) return null;
  const presented = m[1]!;
  // Compare against every key so timing does not reveal which one nearly matched.
  return app.env.CLAIMS_API_KEYS.reduce((ok, key) => constantTimeEquals(presented, key) || ok, false) ? presented : null;
}
