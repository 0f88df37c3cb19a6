// Per-connection limits of the signalling socket against the real SFU: a chat flood is
// cut to the chat rate and stored only that often, a message flood drops the connection,
// the receiving warm-up creates one data consumer however often it is asked, a producer
// whose codecs do not match its kind is refused, and a repeated failure is logged once
// without a stack.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { openCallSocket, signallingClient, type SignalReply } from "../support/signalling-socket";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";

let product: RunningProduct;
let links: { policyholder: string; adjuster: string };
let surveyId: string;

before(async () => {
  product = await startProductProcess({ pages: "none" });
  const created = await createSurveyViaApi(product, {}, { agentEmail: "agent1@example.com" });
  surveyId = created.surveyId;
  links = { policyholder: created.policyholderToken, adjuster: created.adjusterToken };
});
after(() => product.stop());

/** Opens the call socket as a phone does. */
const open = (invite: string) => openCallSocket(product.url, { invite });
const client = signallingClient;

async function joined(invite: string) {
  const ws = await open(invite);
  const c = client(ws);
  assert.equal((await c.request("createTransport", { direction: "recv" })).ok, true);
  assert.equal((await c.request("join", { rtpCapabilities: { codecs: [] } })).ok, true);
  return { ws, c };
}

const eventCount = async () =>
  ((await (await fetch(`${product.url}/api/v1/surveys/${surveyId}`, { headers: { Authorization: `Bearer ${product.apiKey}` } })).json()) as { eventCount: number }).eventCount;

test("a chat flood is answered RATE_LIMITED past the chat rate and only that many messages are stored", async () => {
  const { ws, c } = await joined(links.policyholder);
  const before = await eventCount();
  const t0 = performance.now();
  const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => c.request("chat", { text: `flood ${i}` })));
  const seconds = (performance.now() - t0) / 1000;
  const ok = replies.filter((r) => r.ok).length;
  assert.ok(ok >= 1 && ok <= 5 + Math.ceil(seconds) + 1, `${ok} chat messages accepted in ${seconds.toFixed(2)} s`);
  assert.ok(replies.filter((r) => !r.ok).every((r) => r.error?.code === "RATE_LIMITED"), JSON.stringify(replies.find((r) => !r.ok && r.error?.code !== "RATE_LIMITED")));
  assert.equal((await eventCount()) - before, ok, "one stored chat event per accepted message, no more");
  // The rate refills: after a pause a message goes through again, on the same connection.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await c.request("chat", { text: "after the pause" })).ok, true);
  ws.close();
});

test("broken or unsafe text in a signalling message is refused and never stored", async () => {
  const { ws, c } = await joined(links.policyholder);
  await new Promise((r) => setTimeout(r, 1200)); // a chat token after the previous test
  const before = await eventCount();
  // JSON text with a lone surrogate escape, exactly as a client could send it.
  const lone = await new Promise<SignalReply>((resolve) => {
    ws.once("message", (raw) => resolve(JSON.parse(raw.toString())));
    ws.send('{"id":900,"method":"chat","data":{"text":"A\\uD800"}}');
  });
  assert.equal(lone.error?.code, "BAD_REQUEST", JSON.stringify(lone));
  assert.match(lone.error!.message, /text/);
  const bidi = await c.request("chat", { text: "pay to \u202Emoc.live" });
  assert.equal(bidi.error?.code, "BAD_REQUEST");
  await new Promise((r) => setTimeout(r, 1200));
  const multiLine = await c.request("chat", { text: "line one\nline two" });
  assert.equal(multiLine.ok, true, JSON.stringify(multiLine));
  assert.equal((await eventCount()) - before, 1, "only the clean message is stored");
  ws.close();
});

test("a message flood is refused before parsing and finally drops the connection (1008)", async () => {
  const ws = await open(links.adjuster);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  const payload = JSON.stringify({ id: 1, method: "getRouterRtpCapabilities", data: {} });
  for (let i = 0; i < 1000 && ws.readyState === ws.OPEN; i++) ws.send(payload);
  assert.equal(await closed, 1008);
  // Another connection of the same survey is unaffected.
  const again = await open(links.adjuster);
  assert.equal((await client(again).request("getRouterRtpCapabilities")).ok, true);
  again.close();
});

test("warmUpReceiving creates one data consumer per connection however often it is asked", async () => {
  const ws = await open(links.adjuster);
  const c = client(ws);
  await c.request("createTransport", { direction: "recv" });
  const replies = await Promise.all(Array.from({ length: 40 }, () => c.request("warmUpReceiving")));
  assert.equal(replies.filter((r) => r.ok).length, 1);
  assert.ok(replies.filter((r) => !r.ok).every((r) => r.error?.code === "BAD_REQUEST"));
  ws.close();
});

test("a producer whose codecs or source do not match its kind is refused; a failing request is logged once, without a stack", async () => {
  const { ws, c } = await joined(links.adjuster);
  const send = await c.request("createTransport", { direction: "send" });
  const transportId = (send.data as { id: string }).id;
  const opus = { mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2 };
  const vp8 = { mimeType: "video/VP8", payloadType: 101, clockRate: 90000 };
  const videoWithOpus = await c.request("produce", { transportId, kind: "video", source: "cam", rtpParameters: { codecs: [opus], encodings: [{ ssrc: 1111 }] } });
  assert.equal(videoWithOpus.error?.code, "BAD_REQUEST");
  assert.match(videoWithOpus.error!.message, /video producer cannot use the codec audio\/opus/);
  const mixed = await c.request("produce", { transportId, kind: "video", source: "cam", rtpParameters: { codecs: [vp8, opus] } });
  assert.equal(mixed.error?.code, "BAD_REQUEST");
  const micAsVideo = await c.request("produce", { transportId, kind: "video", source: "mic", rtpParameters: { codecs: [vp8] } });
  assert.equal(micAsVideo.error?.code, "BAD_REQUEST");
  assert.equal((await product.health()).media.producers, 0);
  // A matching declaration that the worker refuses (no DTLS yet, bogus parameters): FAILED, repeated.
  const before = product.logs().length;
  for (let i = 0; i < 10; i++) {
    const r = await c.request("produce", { transportId, kind: "video", source: "cam", rtpParameters: { codecs: [{ mimeType: "video/VP8" }] } });
    assert.equal(r.ok, false);
  }
  await new Promise((r) => setTimeout(r, 300));
  const lines = product.logs().slice(before).split("\n").filter((l) => l.includes("signalling request failed"));
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.doesNotMatch(lines[0]!, /"stack"|    at /);
  ws.close();
});
