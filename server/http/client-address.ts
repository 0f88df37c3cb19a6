// The address a request came from: the socket's peer, or behind a trusted reverse proxy
// the last X-Forwarded-For entry (the one the proxy itself appended; earlier ones are the
// client's to invent).
import type { IncomingMessage } from "node:http";

export function clientAddress(req: Pick<IncomingMessage, "headers" | "socket">, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = String(req.headers["x-forwarded-for"] ?? "").split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (forwarded) return forwarded;
  }
  return (req.socket?.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
}
