// A page whose signalling socket died comes back by resuming on a new socket
// (app/_lib/call/signalling-resume.ts). If its link was withdrawn meanwhile, the
// server refuses the new socket at the upgrade, which a page cannot read (the
// browser reports only "closed, 1006"). The resume must then ask why, and end with
// the server's reason instead of trying in silence until it gives up on the network.
// Real sockets: an HTTP server that answers plain requests and refuses every
// upgrade with 410, as the product does for a withdrawn link, and the `ws`
// package's client in the place of the browser's WebSocket.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket } from "ws";
import { JoinRefused, resumeSignalling, type ResumeRequest } from "../../app/_lib/call/signalling-resume";

let server: http.Server;
let url = "";
let upgrades = 0;

before(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
  server = http.createServer((_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end("{}"));
  server.on("upgrade", (_req, socket) => {
    upgrades++;
    const body = JSON.stringify({ error: { code: "INVITE_REVOKED", message: "This link was withdrawn." } });
    socket.end(`HTTP/1.1 410 INVITE_REVOKED\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/survey`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function request(overrides: Partial<ResumeRequest>): ResumeRequest {
  return { url, protocols: [], wire: () => {}, adopt: () => {}, transportIds: [], consumerIds: [], stopped: () => false, giveUpAt: Date.now() + 60_000, ...overrides };
}

test("a socket refused by a server that answers HTTP: the resume asks why and ends with the server's reason", { timeout: 120_000 }, async () => {
  const started = Date.now();
  upgrades = 0;
  let asked = 0;
  const err = await resumeSignalling(request({ whyRefused: async () => (asked++, "INVITE_REVOKED") })).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof JoinRefused, `ends with the refusal, not a lost connection (${String(err)})`);
  assert.equal(err.reason, "INVITE_REVOKED");
  assert.equal(asked, 1, "asked once");
  assert.ok(upgrades >= 1, "the socket was really tried");
  assert.ok(Date.now() - started < 55_000, "long before the resume would give up on the network");
});

test("while the answer is 'may still join' (a passing fault), the resume keeps trying until it gives up", { timeout: 120_000 }, async () => {
  upgrades = 0;
  let asked = 0;
  const err = await resumeSignalling(request({ giveUpAt: Date.now() + 5000, whyRefused: async () => (asked++, null) })).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err && !(err instanceof JoinRefused), `not ended as refused (${String(err)})`);
  assert.equal((err as { code?: string }).code, "DISCONNECTED");
  assert.ok(asked >= 1 && asked <= 4, `asked, at most every 2 s (${asked} times)`);
  assert.ok(upgrades >= 2, `tried the socket again after asking (${upgrades} attempts)`);
});
