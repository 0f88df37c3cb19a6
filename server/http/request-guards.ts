// Checks every request passes before any route sees it, answered in the caller's language.
import type { IncomingMessage, ServerResponse } from "node:http";
import { requestLocale, translate, type MessageKey } from "../i18n/translate";

/** A path with broken percent-encoding (`/api/evidence/%E0%A4%A/...`) names nothing: 400, before any login check or decode. */
export function malformedPath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return false;
  } catch {
    return true;
  }
}

export function sendTranslatedError(req: IncomingMessage, res: ServerResponse, status: number, code: string, key: MessageKey, params: Record<string, string | number> = {}, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...headers });
  res.end(JSON.stringify({ error: { code, message: translate(requestLocale(req), key, params) } }));
}
