// The headers every response carries, and the Content-Security-Policy the pages run
// under. Pages get a fresh nonce per request: it is put on the request as the
// Content-Security-Policy header too, which is where Next.js reads it to mark its own
// scripts (the same thing the Next.js docs do in proxy.ts; this server is the proxy).
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface SecurityHeaderConfig {
  /** frame-ancestors sources: ["'none'"] (default), or "'self'" and/or https origins. */
  frameAncestors: readonly string[];
  /** Development pages need eval for React's debugging and hot reload. */
  development: boolean;
}

// A Host header only ever names a host and port; anything else is not echoed into a header.
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function pageCsp(nonce: string, host: string | undefined, cfg: SecurityHeaderConfig): string {
  // The call page talks to /ws/survey on the host it was loaded from; 'self' covers ws(s)
  // in current browsers, the explicit sources cover older Safari.
  const ws = host && HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets WebAssembly compile (the phone's live photo hints run the quality
    // model in onnxruntime-web), and nothing else: JavaScript eval stays refused.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' 'wasm-unsafe-eval'${cfg.development ? " 'unsafe-eval'" : ""}`,
    // React renders style="" attributes; a nonce cannot cover attributes.
    "style-src 'self' 'unsafe-inline'",
    // Photos and thumbnails come from the server; captured stills are previewed as blob:.
    "img-src 'self' blob: data:",
    // Recording playback streams from /api/recordings; live video uses srcObject (no URL).
    "media-src 'self' blob:",
    "font-src 'self' data:",
    `connect-src 'self'${ws}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${cfg.frameAncestors.join(" ")}`,
  ].join("; ");
}

/** X-Frame-Options can only say DENY or SAMEORIGIN; for other allowlists frame-ancestors alone decides. */
function frameOptions(frameAncestors: readonly string[]): string | null {
  if (frameAncestors.length === 1 && frameAncestors[0] === "'none'") return "DENY";
  if (frameAncestors.length === 1 && frameAncestors[0] === "'self'") return "SAMEORIGIN";
  return null;
}

const PERMISSIONS_POLICY = "camera=(self), microphone=(self), geolocation=(self), display-capture=(self), payment=(), usb=(), serial=(), hid=()";

/** Headers for every response; `isPage` also gives it a CSP with a fresh nonce (set on the request for Next.js). */
export function applySecurityHeaders(req: IncomingMessage, res: ServerResponse, pathname: string, isPage: boolean, cfg: SecurityHeaderConfig): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  const xfo = frameOptions(cfg.frameAncestors);
  if (xfo) res.setHeader("X-Frame-Options", xfo);
  res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
  // The join link's and the queue's waiting page's paths are secret tokens: they must not travel on in a Referer.
  res.setHeader("Referrer-Policy", pathname.startsWith("/join/") || pathname.startsWith("/report/wait/") ? "no-referrer" : "same-origin");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  if (isPage) {
    const nonce = randomBytes(16).toString("base64");
    const policy = pageCsp(nonce, req.headers.host, cfg);
    req.headers["content-security-policy"] = policy;
    res.setHeader("Content-Security-Policy", policy);
  } else {
    // API answers are data, never documents to render or frame.
    res.setHeader("Content-Security-Policy", `default-src 'none'; frame-ancestors ${cfg.frameAncestors.join(" ")}`);
  }
}
