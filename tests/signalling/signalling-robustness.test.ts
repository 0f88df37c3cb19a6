// Malformed, oversized and out-of-order signalling messages get an error reply
// and the room carries on; bad credentials never reach the media layer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { openCallSocket } from "../support/signalling-socket";

let product: RunningProduct;
let links: { policyholder: string; adjuster: string };
let surveyId: string;

before(async () => {
  product = await startProductProcess({ pages: "none" });
  const created = await createSurveyViaApi(product, { claimType: "motor_glass" }, { agentEmail: "agent1@example.com" });
  surveyId = created.surveyId;
  links = { policyholder: created.policyholderToken, adjuster: created.adjusterToken };
});
after(() => product.stop());

function nextReply(ws: WebSocket): Promise<{ id: number | null; ok: boolean; data?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    const onMessage = (raw: WebSocket.RawData) => {
      const msg = JSON.parse(raw.toString());
      if ("notification" in msg) return;
      ws.off("message", onMessage);
      resolve(msg);
    };
    ws.on("message", onMessage);
  });
}

async function send(ws: WebSocket, payload: unknown) {
  const reply = nextReply(ws);
  ws.send(typeof payload === "string" ? payload : JSON.stringify(payload));
  return reply;
}

test("unknown, malformed and closed-survey credentials are refused before the upgrade", async () => {
  await assert.rejects(openCallSocket(product.url, { invite: "A".repeat(32) }), (e: { status?: number }) => e.status === 404);
  await assert.rejects(openCallSocket(product.url, { surveyId }), (e: { status?: number }) => e.status === 401);
  await assert.rejects(openCallSocket(product.url, { surveyId }, { Cookie: "cs_session=forged" }), (e: { status?: number }) => e.status === 401);
});

test("bad messages get error replies and the connection and room carry on", async () => {
  const ws = await openCallSocket(product.url, { invite: links.policyholder });
  assert.equal((await send(ws, "not json")).error?.code, "BAD_REQUEST");
  assert.equal((await send(ws, { id: 1, method: "launchMissiles", data: {} })).error?.code, "BAD_REQUEST");
  const badShape = await send(ws, { id: 2, method: "createTransport", data: { direction: "sideways" } });
  assert.equal(badShape.id, 2);
  assert.equal(badShape.error?.code, "BAD_REQUEST");
  assert.match(badShape.error!.message, /direction/);
  assert.equal((await send(ws, { id: 3, method: "chat", data: { text: "x".repeat(70 * 1024) } })).error?.code, "BAD_REQUEST");
  // Out of order: joining, producing and chatting before the steps they need.
  assert.equal((await send(ws, { id: 4, method: "join", data: { rtpCapabilities: { codecs: [] } } })).error?.code, "NOT_READY");
  assert.equal((await send(ws, { id: 5, method: "chat", data: { text: "hi" } })).error?.code, "NOT_READY");
  const produce = await send(ws, { id: 6, method: "produce", data: { transportId: "t", kind: "video", rtpParameters: { codecs: [{}] }, source: "cam" } });
  assert.equal(produce.ok, false);
  assert.equal((await send(ws, { id: 7, method: "connectTransport", data: { transportId: "nope", dtlsParameters: { fingerprints: [{}] } } })).ok, false);
  // The policyholder may not end the survey.
  assert.equal((await send(ws, { id: 8, method: "endSurvey", data: {} })).error?.code, "FORBIDDEN");
  // After all that, the normal flow still works on the same connection.
  const caps = await send(ws, { id: 9, method: "getRouterRtpCapabilities", data: {} });
  assert.equal(caps.ok, true);
  assert.equal((caps.data as { self: { role: string } }).self.role, "policyholder");
  const recv = await send(ws, { id: 10, method: "createTransport", data: { direction: "recv" } });
  assert.equal(recv.ok, true);
  assert.equal((await send(ws, { id: 11, method: "createTransport", data: { direction: "recv" } })).error?.code, "BAD_REQUEST");
  const health = await product.health();
  assert.equal(health.media.routers, 1);
  assert.equal(health.media.transports, 1);
  ws.close();
  // The peer's transport is closed when its connection goes.
  for (let i = 0; i < 40 && (await product.health()).media.transports > 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await product.health()).media.transports, 0);
});

test("a second connection with the same link replaces the first", async () => {
  const first = await openCallSocket(product.url, { invite: links.adjuster });
  const closed = new Promise<number>((resolve) => first.once("close", (code) => resolve(code)));
  await send(first, { id: 1, method: "createTransport", data: { direction: "recv" } });
  const second = await openCallSocket(product.url, { invite: links.adjuster });
  await send(second, { id: 1, method: "createTransport", data: { direction: "recv" } });
  assert.equal(await closed, 4001);
  second.close();
});
