// Every HTTP route and WebSocket upgrade the server answers, in one registry
// that the server dispatches from (server/http/app-server.ts) and the access
// matrix test enumerates (tests/api/access-matrix.test.ts): a route that is
// served is a route that is tested. `access` says which rule of
// server/domain/survey-access.ts the handler applies.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import type { AppContext } from "../app-context";
import { appRouter } from "../api/root";
import { createTrpcContext } from "../api/trpc";
import { errorIdOf } from "../api/error-id";
import { handleSurveysV1 } from "../api/rest/surveys-v1";
import { handleQueueEntriesV1 } from "../api/rest/queue-entries-v1";
import type { SurveyAction } from "../domain/survey-access";
import { resourceCounts } from "../../media/resource-census";
import { createCaptureRoutes } from "./capture-routes";
import { handleRecordingMedia } from "./recording-media-route";
import { EVIDENCE_ROUTE, handleEvidenceRoute } from "./evidence-routes";
import { serveLiveQualityManifest, serveLiveQualityModel, serveLiveQualityRuntime } from "./live-quality-routes";
import { SIGNALLING_PATH } from "../signalling/signalling-server";

export type RouteAccess =
  /** The handler asks the access module for this action on the survey the request names. */
  | { kind: "survey"; action: SurveyAction }
  /** Each tRPC procedure is a named access procedure (server/api/trpc.ts). */
  | { kind: "trpc" }
  /** The insurer's claims system: `Authorization: Bearer <key>`. */
  | { kind: "api-key" }
  | { kind: "public" };

/** What the handlers reach, built once per server (server/http/app-server.ts). */
export interface RouteDeps {
  app: AppContext;
  captures: ReturnType<typeof createCaptureRoutes>;
  signalling: { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void };
}

export interface HttpRoute {
  method: "GET" | "POST" | "HEAD" | "PATCH";
  /** For people and the matrix test: the path with :params. */
  path: string;
  pattern: RegExp;
  access: RouteAccess;
  handle(deps: RouteDeps, req: IncomingMessage, res: ServerResponse, params: string[], url: URL): Promise<void>;
}

export interface UpgradeRoute {
  method: "UPGRADE";
  path: string;
  pattern: RegExp;
  access: RouteAccess;
  upgrade(deps: RouteDeps, req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

const TRPC_PATH = /^\/api\/trpc\/(.+)$/;
/** Calls per batched tRPC request (the pages batch at most 8, see app/_lib/trpc-client.ts). */
export const TRPC_MAX_BATCH = 16;

const trpc: HttpRoute["handle"] = ({ app }, req, res, [path]) =>
  nodeHTTPRequestHandler({
    req,
    res,
    router: appRouter,
    path: path!,
    createContext: ({ req: r, res: s }) => createTrpcContext(app, r, s),
    maxBatchSize: TRPC_MAX_BATCH,
    maxBodySize: 2 * 1024 * 1024,
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") app.log.error({ err: error, path, errorId: errorIdOf(error) }, "tRPC error");
    },
  });
const rest: HttpRoute["handle"] = ({ app }, req, res, _p, url) => handleSurveysV1(app, req, res, url.pathname);
const queueRest: HttpRoute["handle"] = ({ app }, req, res, _p, url) => handleQueueEntriesV1(app, req, res, url.pathname);

export const httpRoutes: readonly HttpRoute[] = [
  { method: "GET", path: "/api/trpc/:procedure", pattern: TRPC_PATH, access: { kind: "trpc" }, handle: trpc },
  { method: "POST", path: "/api/trpc/:procedure", pattern: TRPC_PATH, access: { kind: "trpc" }, handle: trpc },
  { method: "POST", path: "/api/v1/surveys", pattern: /^\/api\/v1\/surveys$/, access: { kind: "api-key" }, handle: rest },
  { method: "GET", path: "/api/v1/surveys/:id", pattern: /^\/api\/v1\/surveys\/([^/]+)$/, access: { kind: "api-key" }, handle: rest },
  { method: "POST", path: "/api/v1/queue-entries", pattern: /^\/api\/v1\/queue-entries$/, access: { kind: "api-key" }, handle: queueRest },
  { method: "GET", path: "/api/v1/queue-entries/:id", pattern: /^\/api\/v1\/queue-entries\/([^/]+)$/, access: { kind: "api-key" }, handle: queueRest },
  { method: "POST", path: "/api/captures", pattern: /^\/api\/captures$/, access: { kind: "survey", action: "capture.upload" }, handle: ({ captures }, req, res) => captures.upload(req, res) },
  { method: "POST", path: "/api/captures/provisional", pattern: /^\/api\/captures\/provisional$/, access: { kind: "survey", action: "capture.upload" }, handle: ({ captures }, req, res) => captures.provisional(req, res) },
  // The original's resumable upload (tus protocol; server/capture/original-uploads.ts).
  { method: "POST", path: "/api/captures/uploads", pattern: /^\/api\/captures\/uploads$/, access: { kind: "survey", action: "capture.upload" }, handle: ({ captures }, req, res) => captures.originalCreate(req, res) },
  { method: "HEAD", path: "/api/captures/uploads/:id", pattern: /^\/api\/captures\/uploads\/([A-Za-z0-9_-]{1,64})$/, access: { kind: "survey", action: "capture.upload" }, handle: ({ captures }, req, res, [id]) => captures.originalResume(req, res, id!) },
  { method: "PATCH", path: "/api/captures/uploads/:id", pattern: /^\/api\/captures\/uploads\/([A-Za-z0-9_-]{1,64})$/, access: { kind: "survey", action: "capture.upload" }, handle: ({ captures }, req, res, [id]) => captures.originalResume(req, res, id!) },
  {
    method: "POST",
    path: "/api/captures/uploads/:id/commit",
    pattern: /^\/api\/captures\/uploads\/([A-Za-z0-9_-]{1,64})\/commit$/,
    access: { kind: "survey", action: "capture.upload" },
    handle: ({ captures }, req, res, [id]) => captures.originalCommit(req, res, id!),
  },
  { method: "POST", path: "/api/captures/viewer", pattern: /^\/api\/captures\/viewer$/, access: { kind: "survey", action: "capture.view" }, handle: ({ captures }, req, res) => captures.viewer(req, res) },
  {
    method: "GET",
    path: "/api/captures/:id/thumb",
    pattern: /^\/api\/captures\/([A-Za-z0-9_-]{1,64})\/thumb$/,
    access: { kind: "survey", action: "capture.view" },
    handle: ({ captures }, req, res, [id], url) => captures.thumb(req, res, id!, url),
  },
  {
    method: "GET",
    path: "/api/recordings/:id/media",
    pattern: /^\/api\/recordings\/([A-Za-z0-9_-]{1,128})\/media$/,
    access: { kind: "survey", action: "recording.play" },
    handle: ({ app }, req, res, [id]) => handleRecordingMedia(app, req, res, id!),
  },
  {
    method: "GET",
    path: "/api/evidence/:surveyId/package.zip",
    pattern: EVIDENCE_ROUTE,
    access: { kind: "survey", action: "archive.download" },
    handle: async ({ app }, req, res, _p, url) => void (await handleEvidenceRoute(app, req, res, url.pathname)),
  },
  // The phone's live hints before the shutter run the gate's own model in the browser: the
  // model, its thresholds and the WebAssembly runtime are public parts of the product.
  { method: "GET", path: "/api/live-quality/model", pattern: /^\/api\/live-quality\/model$/, access: { kind: "public" }, handle: ({ app }, req, res) => serveLiveQualityModel(app, req, res) },
  { method: "GET", path: "/api/live-quality/manifest", pattern: /^\/api\/live-quality\/manifest$/, access: { kind: "public" }, handle: ({ app }, req, res) => serveLiveQualityManifest(app, req, res) },
  {
    method: "GET",
    path: "/api/live-quality/runtime/:version/:file",
    pattern: /^\/api\/live-quality\/runtime\/([A-Za-z0-9.+-]{1,40})\/([A-Za-z0-9._-]{1,64})$/,
    access: { kind: "public" },
    handle: (_deps, req, res, [version, file]) => serveLiveQualityRuntime(req, res, version!, file!),
  },
  {
    method: "GET",
    path: "/api/health",
    pattern: /^\/api\/health$/,
    access: { kind: "public" },
    handle: async ({ app }, _req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" });
      // Counts, codes and ids only: health answers anyone, and keys name surveys.
      const owed = (await app.storage.pendingUploads?.()) ?? [];
      const last = owed.reduce<(typeof owed)[number] | null>((a, p) => (!a || p.attempts > a.attempts ? p : a), null);
      const storage = { kind: app.storage.kind, pendingUploads: owed.length, lastUploadFailure: last && { errorCode: last.errorCode, errorId: last.errorId, attempts: last.attempts }, nextUploadAttemptAt: owed.length ? (app.storage.nextUploadAttemptAt?.() ?? null) : null };
      // What is missing, what for and the fix; the problem's details (paths) are in the start-up log.
      const missing = app.runtimeNeeds.needs.filter((n) => !n.ok).map(({ id, required, usedFor, fix }) => ({ id, required, usedFor, fix }));
      const runtime = { ok: app.runtimeNeeds.ok, checkedAt: app.runtimeNeeds.checkedAt, missing, needs: app.runtimeNeeds.needs.map((n) => ({ id: n.id, ok: n.ok, required: n.required })) };
      res.end(JSON.stringify({ ok: true, workers: app.pool.size, rooms: app.rooms.list().length, media: resourceCounts(), storage, runtime }));
    },
  },
];

export const upgradeRoutes: readonly UpgradeRoute[] = [
  {
    method: "UPGRADE",
    path: SIGNALLING_PATH,
    pattern: new RegExp(`^${SIGNALLING_PATH}$`),
    access: { kind: "survey", action: "call.join" },
    upgrade: ({ signalling }, req, socket, head) => signalling.handleUpgrade(req, socket, head),
  },
];

export type RouteMatch = { route: HttpRoute; params: string[] } | { methodNotAllowed: string[] } | null;

/** The route for a request: a match, "the path exists but not for this method", or none. */
export function matchRoute(routes: readonly HttpRoute[], method: string, pathname: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    if (route.method === method) return { route, params: m.slice(1) };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { methodNotAllowed: allowed } : null;
}

/** "METHOD /path" of every route and upgrade, for the test that nothing served goes unchecked. */
export function servedRoutes(): string[] {
  return [...httpRoutes, ...upgradeRoutes].map((x) => `${x.method} ${x.path}`);
}
