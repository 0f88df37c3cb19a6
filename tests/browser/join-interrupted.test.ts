// The phone's signalling socket drops while its join is still under way (a weak
// 4G link; on a loaded server the answer to "produce" comes late and a stalled
// receive path makes the page drop a socket that seemed dead). The join's own
// steps then reject ("queue stopped" from a transport closed under its produce,
// "connection closed"): that is the drop, which the call recovers from, not a
// failure to put on the driver's screen. Found by a fresh-clone run: the agent
// ended the survey during such a drop and the driver saw "something went wrong"
// instead of "the survey has ended".
//
// Playwright's WebSocket routing sits between the real page and the real server:
// it holds the server's answer to the phone's video "produce", so the join is
// caught mid-way, then drops the page's socket as a network would (a close that
// is not the server's "survey ended").
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page, WebSocketRoute } from "playwright-core";
import { desktopContext, phoneContext } from "../support/browser";
import { browserSession, LOADED_MACHINE_WAIT_MS } from "../support/browser-session";
import { agent1, byRoleKind, inboundStats, agentJoins, createSurveyInConsole, endSurveyWithoutStatement, loginAs, waitForRemoteRoles } from "../support/survey-flow";
import { callSnapshot } from "../support/page-state";
import { until } from "../support/until";

const session = browserSession();
/** A close code a dropped network gives the page in effect: not one of the server's (server/signalling/close-codes.ts). */
const DROPPED = 1011;

interface HeldJoin {
  /** Resolves when the server has answered the phone's video produce and the answer is being held back. */
  held: Promise<void>;
  /** Drops the page's socket (and the server's side of it) without passing on anything held. */
  drop: () => void;
  /** Resolves when the server has closed the socket (it does when the survey ends). */
  serverClosed: Promise<void>;
  /** Sockets the page has opened so far. */
  sockets: () => number;
}

/**
 * Routes the page's survey socket through the test: the first socket's answer
 * to the video produce is held back, and nothing the server sends after it
 * reaches the page. Later sockets (the page's rejoin) pass untouched.
 */
async function holdVideoProduce(page: Page): Promise<HeldJoin> {
  let opened = 0;
  let onHeld!: () => void;
  let onServerClosed!: () => void;
  const held = new Promise<void>((r) => (onHeld = r));
  const serverClosed = new Promise<void>((r) => (onServerClosed = r));
  let first: { ws: WebSocketRoute; server: WebSocketRoute } | null = null;
  await page.routeWebSocket(/\/ws\/survey/, (ws) => {
    opened += 1;
    const server = ws.connectToServer();
    if (opened > 1) return; // default forwarding both ways
    first = { ws, server };
    let produceId: number | null = null;
    let holding = false;
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { id?: number; method?: string; data?: { kind?: string } };
      if (msg.method === "produce" && msg.data?.kind === "video" && produceId === null) produceId = msg.id ?? null;
      if (!holding) server.send(m);
    });
    server.onMessage((m) => {
      if (!holding && (JSON.parse(String(m)) as { id?: number }).id === produceId && produceId !== null) {
        holding = true;
        onHeld();
      }
      if (!holding) ws.send(m);
    });
    server.onClose(() => onServerClosed());
  });
  return {
    held,
    serverClosed,
    drop: () => {
      void first?.ws.close({ code: DROPPED, reason: "network dropped" });
      void first?.server.close();
    },
    sockets: () => opened,
  };
}

/** The agent in a new survey; the phone taps join and is caught with its video's produce answered but not yet delivered. */
async function phoneCaughtMidJoin(plate: string) {
  const agent = await session.newPage(desktopContext);
  await loginAs(agent, session.product.url, agent1);
  const { surveyId, policyholderLink } = await createSurveyInConsole(agent, { plate });
  await agentJoins(agent, session.product.url, surveyId);
  const phone = await session.newPage(phoneContext);
  const route = await holdVideoProduce(phone);
  await phone.goto(policyholderLink);
  await phone.getByTestId("join-button").click();
  await route.held;
  assert.equal((await callSnapshot(phone)).phase, "connecting", "caught mid-join: the video is produced at the server, its answer not yet at the page");
  return { agent, phone, route };
}

/** The page never failed the call: its trace records every fail() ("failed: …"), whether or not the screen still shows it. */
function neverFailed(trace: string[]) {
  assert.ok(!trace.some((s) => /^\d+ failed: /.test(s)), `the call never failed: ${trace.join(" | ")}`);
}

test("a socket dropped during the phone's join: the phone rejoins and is seen, no error screen", { timeout: 600_000 }, async () => {
  const { agent, phone, route } = await phoneCaughtMidJoin("沪K·31571");
  route.drop();
  // Back in the call on a new socket, its camera seen by the agent.
  await until("the phone back in the call", async () => (await callSnapshot(phone)).phase === "in-call", LOADED_MACHINE_WAIT_MS);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await waitForRemoteRoles(phone, ["agent"]);
  await until("the agent decodes the phone's video", async () => (byRoleKind(await inboundStats(agent), "framesDecoded")["policyholder/video"] ?? 0) > 30, LOADED_MACHINE_WAIT_MS);

  const { error, trace } = await callSnapshot(phone);
  assert.equal(error, null);
  // One camera and one microphone from the phone: the interrupted join left no producer beside the rejoin's.
  const fromPhone = (await inboundStats(agent)).filter((s) => s.role === "policyholder").map((s) => s.kind).sort();
  assert.deepEqual(fromPhone, ["audio", "video"], "the agent receives one audio and one video track from the phone");
  assert.ok(route.sockets() >= 2, "the phone opened a new socket");
  assert.ok(trace.some((s) => s.includes("join overtaken by a reconnect")), `the interrupted join gave way to the rejoin: ${trace.join(" | ")}`);
  neverFailed(trace);
  assert.equal(await phone.getByTestId("call-error").count(), 0, "no error screen");
});

test("the survey ends while the phone's join is cut off: the phone says the survey ended, not 'something went wrong'", { timeout: 600_000 }, async () => {
  const { agent, phone, route } = await phoneCaughtMidJoin("沪K·31572");
  await waitForRemoteRoles(agent, ["policyholder"]);

  // The agent ends the survey; the server's "survey ended" and its close never reach the
  // phone (held back): the phone only sees its socket drop, mid-join.
  await endSurveyWithoutStatement(agent);
  await route.serverClosed;
  route.drop();

  await phone.getByTestId("call-ended").waitFor({ timeout: LOADED_MACHINE_WAIT_MS });
  const { phase, error, trace } = await callSnapshot(phone);
  assert.equal(phase, "ended");
  assert.equal(error, null);
  assert.ok(trace.some((s) => s.includes("join overtaken by a reconnect")), `the interrupted join gave way: ${trace.join(" | ")}`);
  neverFailed(trace);
  assert.equal(await phone.getByTestId("call-error").count(), 0, "no error screen");
});

test("a join step the server never answers on an open socket: the phone drops that socket after its limit and joins again", { timeout: 600_000 }, async () => {
  // The fresh clone's case: a saturated machine left the adjuster's produce unanswered for 15 s and the
  // call failed ("produce timed out"). Here the answer never comes on that socket, and nothing closes it.
  const { agent, phone, route } = await phoneCaughtMidJoin("沪K·31573");
  await until("the phone back in the call", async () => (await callSnapshot(phone)).phase === "in-call", LOADED_MACHINE_WAIT_MS + 60_000);
  await waitForRemoteRoles(agent, ["policyholder"]);
  await until("the agent decodes the phone's video", async () => (byRoleKind(await inboundStats(agent), "framesDecoded")["policyholder/video"] ?? 0) > 30, LOADED_MACHINE_WAIT_MS);

  const { error, trace } = await callSnapshot(phone);
  assert.equal(error, null);
  assert.ok(route.sockets() >= 2, "the phone opened a new socket");
  assert.ok(trace.some((s) => s.includes("join step unanswered")), `the page gave up on the silent socket: ${trace.join(" | ")}`);
  neverFailed(trace);
  const fromPhone = (await inboundStats(agent)).filter((s) => s.role === "policyholder").map((s) => s.kind).sort();
  assert.deepEqual(fromPhone, ["audio", "video"], "the agent receives one audio and one video track from the phone");
});
