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

export interface PageHandler {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
}

const TRPC_PREFIX = "/api/trpc/";

export function createAppServer(app: AppContext, pages: PageHandler | null) {
  const signalling = createSignallingServer(app);
  const captureRoutes = createCaptureRoutes(app, app.captures);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const pathname = url.pathname;
    try {
      if (pathname.startsWith(TRPC_PREFIX)) {
        await nodeHTTPRequestHandler({
          req,
          res,
          router: appRouter,
          path: pathname.slice(TRPC_PREFIX.length),
          createContext: ({ req: r, res: s }) => createTrpcContext(app, r, s),
          onError: ({ error, path }) => {
            if (error.code === "INTERNAL_SERVER_ERROR") app.log.error({ err: error, path }, "tRPC error");
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
        // Counts, codes and ids only: health answers anyone, and keys name surveys.
        const owed = (await app.storage.pendingUploads?.()) ?? [];
        const last = owed.reduce<(typeof owed)[number] | null>((a, p) => (!a || p.attempts > a.attempts ? p : a), null);
        const storage = { kind: app.storage.kind, pendingUploads: owed.length, lastUploadFailure: last && { errorCode: last.errorCode, errorId: last.errorId, attempts: last.attempts }, nextUploadAttemptAt: owed.length ? (app.storage.nextUploadAttemptAt?.() ?? null) : null };
        // What is missing, what for and the fix; the problem's details (paths) are in the start-up log.
        const missing = app.runtimeNeeds.needs.filter((n) => !n.ok).map(({ id, required, usedFor, fix }) => ({ id, required, usedFor, fix }));
        const runtime = { ok: app.runtimeNeeds.ok, checkedAt: app.runtimeNeeds.checkedAt, missing, needs: app.runtimeNeeds.needs.map((n) => ({ id: n.id, ok: n.ok, required: n.required })) };
        res.end(JSON.stringify({ ok: true, workers: app.pool.size, rooms: app.rooms.list().length, media: resourceCounts(), storage, runtime }));
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
    if (signalling.handles(pathname)) return signalling.handleUpgrade(req, socket, head);
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
