// The one HTTP server: tRPC, the REST API, health, signalling upgrades, and
// Next.js for every page. API routes are served here rather than as Next route
// handlers so that the media rooms live in a single module instance. Every
// request first passes the guards every entry point shares (security headers,
// a malformed path, a foreign Origin), then goes to the route registry.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AppContext } from "../app-context";
import { createSignallingServer } from "../signalling/signalling-server";
import { createCaptureRoutes } from "./capture-routes";
import { httpRoutes, matchRoute, upgradeRoutes, type RouteDeps } from "./routes";
import { applySecurityHeaders } from "./security-headers";
import { allowedOrigins, originAllowed } from "./origin-check";
import { malformedPath, sendTranslatedError } from "./request-guards";
import { errorIdOf } from "../api/error-id";
import { requestLocale, translate } from "../i18n/translate";

export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export function createAppServer(app: AppContext, pages: PageHandler | null) {
  const signalling = createSignallingServer(app);
  const deps: RouteDeps = { app, captures: createCaptureRoutes(app, app.captures), signalling };
  const origins = allowedOrigins(app.env.PUBLIC_URL, app.env.ALLOWED_ORIGINS);
  const headerConfig = { frameAncestors: app.env.FRAME_ANCESTORS, development: app.env.NODE_ENV === "development" };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const pathname = url.pathname;
    applySecurityHeaders(req, res, pathname, Boolean(pages) && !pathname.startsWith("/api/"), headerConfig);
    if (malformedPath(pathname)) return sendTranslatedError(req, res, 400, "BAD_URL", "error.badUrl");
    // The claims-system API authenticates with a key, not a cookie: nothing a foreign page could ride on.
    if (!pathname.startsWith("/api/v1/") && !originAllowed(req, origins)) return sendTranslatedError(req, res, 403, "CROSS_ORIGIN", "error.crossOrigin");
    try {
      const match = matchRoute(httpRoutes, req.method ?? "GET", pathname);
      if (match && "route" in match) return await match.route.handle(deps, req, res, match.params, url);
      if (match) {
        res.writeHead(405, { Allow: match.methodNotAllowed.join(", "), "Content-Type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ error: { code: "METHOD_NOT_ALLOWED", message: `use ${match.methodNotAllowed.join(" or ")}` } }));
        return;
      }
      if (pages) return await pages.handle(req, res);
      res.writeHead(404).end();
    } catch (err) {
      const errorId = errorIdOf(err as object);
      app.log.error({ err, pathname, errorId }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(translate(requestLocale(req), "error.internal", { id: errorId }));
    }
  });

  server.on("upgrade", (req, socket, head) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = upgradeRoutes.find((u) => u.pattern.test(pathname));
    if (route) {
      // A page of another site must not open the call with the visitor's staff cookie.
      if (!originAllowed(req, origins, true)) {
        socket.end("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      return route.upgrade(deps, req, socket, head);
    }
    if (pages?.upgrade) return void pages.upgrade(req, socket, head);
    socket.destroy();
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        signalling.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
