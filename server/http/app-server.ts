// The one HTTP server: tRPC, the REST API, health, signalling upgrades, and
// Next.js for every page. API routes are served here rather than as Next route
// handlers so that the media rooms live in a single module instance.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import type { AppContext } from "../app-context";
import { appRouter } from "../api/root";
import { createTrpcContext } from "../api/trpc";
import { handleSurveysV1 } from "../api/rest/surveys-v1";
import { createSignallingServer } from "../signalling/signalling-server";
import { resourceCounts } from "../../media/resource-census";
import { createCaptureRoutes } from "./capture-routes";
import { handleRecordingMedia } from "./recording-media-route";
import { handleEvidenceRoute } from "./evidence-routes";
import { applySecurityHeaders } from "./security-headers";
import { allowedOrigins, originAllowed } from "./origin-check";
import { malformedPath, sendTranslatedError } from "./request-guards";
import { errorIdOf } from "../api/error-id";
import { requestLocale, translate } from "../i18n/translate";

export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

const TRPC_PREFIX = "/api/trpc/";
/** Calls per batched tRPC request (the pages batch at most 8, see app/_lib/trpc-client.ts). */
export const TRPC_MAX_BATCH = 16;

export function createAppServer(app: AppContext, pages: PageHandler | null) {
  const signalling = createSignallingServer(app);
  const captureRoutes = createCaptureRoutes(app, app.captures);
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
      if (pathname.startsWith(TRPC_PREFIX)) {
        await nodeHTTPRequestHandler({
          req,
          res,
          router: appRouter,
          path: pathname.slice(TRPC_PREFIX.length),
          createContext: ({ req: r, res: s }) => createTrpcContext(app, r, s),
          maxBatchSize: TRPC_MAX_BATCH,
          maxBodySize: 2 * 1024 * 1024,
          onError: ({ error, path }) => {
            if (error.code === "INTERNAL_SERVER_ERROR") app.log.error({ err: error, path, errorId: errorIdOf(error) }, "tRPC error");
          },
        });
        return;
      }
      if (pathname.startsWith("/api/v1/")) return await handleSurveysV1(app, req, res, pathname);
      if (pathname.startsWith("/api/captures") && (await captureRoutes(req, res, url))) return;
      const media = /^\/api\/recordings\/([A-Za-z0-9_-]{1,128})\/media$/.exec(pathname);
      if (media && req.method === "GET") return await handleRecordingMedia(app, req, res, media[1]!);
      if (pathname.startsWith("/api/evidence/") && (await handleEvidenceRoute(app, req, res, pathname))) return;
      if (pathname === "/api/health") {
        res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
        const storage = { kind: app.storage.kind, pendingUploads: (await app.storage.pendingUploadCount?.()) ?? 0 };
        res.end(JSON.stringify({ ok: true, workers: app.pool.size, rooms: app.rooms.list().length, media: resourceCounts(), storage }));
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
    if (signalling.handles(pathname)) {
      // A page of another site must not open the call with the visitor's staff cookie.
      if (!originAllowed(req, origins, true)) {
        socket.end("HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      return signalling.handleUpgrade(req, socket, head);
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
