// The one HTTP server: tRPC, the REST API, health, signalling upgrades, and
// Next.js for every page. API routes are served here rather than as Next route
// handlers so that the media rooms live in a single module instance.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AppContext } from "../app-context";
import { createSignallingServer } from "../signalling/signalling-server";
import { createCaptureRoutes } from "./capture-routes";
import { httpRoutes, matchRoute, upgradeRoutes, type RouteDeps } from "./routes";

export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

export function createAppServer(app: AppContext, pages: PageHandler | null) {
  const signalling = createSignallingServer(app);
  const deps: RouteDeps = { app, captures: createCaptureRoutes(app, app.captures), signalling };

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const pathname = url.pathname;
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
      app.log.error({ err, pathname }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("internal error");
    }
  });

  server.on("upgrade", (req, socket, head) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = upgradeRoutes.find((u) => u.pattern.test(pathname));
    if (route) return route.upgrade(deps, req, socket, head);
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
