// Issue 13, case 6(d) and point 1: where UDP is blocked (hotel or company
// Wi-Fi) the call still connects — over ICE-TCP on the SFU's media port, or
// through TURN over TLS; and TURN over UDP and over TCP work where only those
// reach the TURN server. The phone's Chromium sits in its own network
// namespace whose nftables let through only what each case allows; coturn is
// the Debian package, started by the test with a self-signed certificate and
// a per-test shared secret, and the product hands each join short-lived
// credentials signed with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { cspViolations } from "../support/browser-session";
import { callSnapshot } from "../support/page-state";
import { startImpairedCall, waitForVideoFlowing, type ImpairedCall } from "../support/impaired-call";
import { startTurnServer, type TurnServer } from "../support/turn-server";
import type { Filter, PhoneNetwork } from "../support/network-namespace";

interface PathInfo {
  direction: string;
  localType: string;
  protocol: string;
  relayProtocol: string | null;
  remotePort: number;
}

/** The selected ICE path of each of the phone's transports. */
async function selectedPaths(call: ImpairedCall): Promise<PathInfo[]> {
  return call.phone.evaluate(async () => {
    type T = { getStats(): Promise<Map<string, Record<string, unknown>>>; closed: boolean; direction: string } | null;
    const c = (window as unknown as { __surveyCall: { sendTransport: T; recvTransport: T } }).__surveyCall;
    const out: PathInfo[] = [];
    for (const t of [c.sendTransport, c.recvTransport]) {
      if (!t || t.closed) continue;
      const all = [...(await t.getStats()).values()];
      const tr = all.find((s) => s.type === "transport" && s.selectedCandidatePairId);
      const pair = all.find((s) => s.id === tr?.selectedCandidatePairId);
      const local = all.find((s) => s.id === pair?.localCandidateId);
      const remote = all.find((s) => s.id === pair?.remoteCandidateId);
      if (local && remote)
        out.push({
          direction: t.direction,
          localType: String(local.candidateType),
          protocol: String(local.protocol),
          relayProtocol: (local.relayProtocol as string | undefined) ?? null,
          remotePort: Number(remote.port),
        });
    }
    return out;
  });
}

async function connectsOver(
  t: { after: (fn: () => Promise<void>) => void; diagnostic: (s: string) => void },
  opts: {
    tag: string;
    withTurn?: boolean;
    phoneArgs?: string[];
    filter: (ports: { http: number; rtc: number; turn: TurnServer | null }) => Filter;
  },
): Promise<{ call: ImpairedCall; paths: PathInfo[]; turn: TurnServer | null }> {
  let turn: TurnServer | null = null;
  const call = await startImpairedCall({
    tag: opts.tag,
    phoneArgs: opts.phoneArgs,
    // coturn listens on the server end of the phone's link, like the product.
    env: async (network) => {
      if (!opts.withTurn) return {};
      turn = await startTurnServer({ address: network.serverAddress });
      return turn.productEnv();
    },
    // Blocked before the phone opens its link: it never had another path.
    beforePhoneJoins: (network, product) => network.setFilter(opts.filter({ http: product.port, rtc: product.rtcBase, turn })),
  });
  t.after(async () => {
    await call.close();
    await turn?.stop();
  });
  await waitForVideoFlowing(call.phone, "agent");
  await waitForVideoFlowing(call.agent, "policyholder");
  const paths = await selectedPaths(call);
  t.diagnostic(`${opts.tag}: ${JSON.stringify(paths)}; dropped ${JSON.stringify(await call.network.dropped())}`);
  t.diagnostic(`${opts.tag}: the phone's call steps (ms on the page): ${(await callSnapshot(call.phone)).trace.join(" | ")}`);
  assert.equal(paths.length, 2, "both of the phone's transports have a selected path");
  assert.ok((await call.network.dropped()).filter > 0, "the filter did block something (the paths the phone tried first)");
  return { call, paths, turn };
}

test("6(d) UDP blocked, only TCP to the media port: the call connects over ICE-TCP", { timeout: 600_000 }, async (t) => {
  const { call, paths } = await connectsOver(t, { tag: "icetcp", filter: ({ http, rtc }) => ({ kind: "allow-only", tcpPorts: [http, rtc] }) });
  for (const p of paths) {
    assert.equal(p.protocol, "tcp", `${p.direction}: over TCP`);
    // host, or prflx: the SFU (ICE-lite) learns the phone's TCP source port from its checks.
    assert.notEqual(p.localType, "relay", `${p.direction}: straight to the SFU, no relay`);
    assert.equal(p.remotePort, call.product.rtcBase, `${p.direction}: to the SFU's media port`);
  }
  assert.deepEqual(cspViolations, []);
});

for (const via of ["tls", "tcp", "udp"] as const) {
  const title =
    via === "tls"
      ? "6(d) UDP blocked, only TLS to the TURN server: the call connects through TURN over TLS, with short-lived credentials"
      : `point 1: only TURN over ${via.toUpperCase()} reaches out: the call connects through it`;
  test(title, { timeout: 600_000 }, async (t) => {
    const { paths, turn, call } = await connectsOver(t, {
      tag: `turn${via}`,
      withTurn: true,
      // The test's coturn has a certificate made a moment ago, which no browser trusts; production uses a real one (README).
      phoneArgs: via === "tls" ? ["--ignore-certificate-errors"] : [],
      filter: ({ http, turn }) =>
        via === "tls"
          ? { kind: "allow-only", tcpPorts: [http, turn!.tlsPort] }
          : via === "tcp"
            ? { kind: "allow-only", tcpPorts: [http, turn!.port] }
            : { kind: "allow-only", tcpPorts: [http], udpPorts: [turn!.port] },
    });
    for (const p of paths) {
      assert.equal(p.localType, "relay", `${p.direction}: through the TURN server`);
      assert.equal(p.relayProtocol, via, `${p.direction}: TURN over ${via}`);
    }

    // The credentials the phone got: TURN REST API shape, signed with the shared secret, expiring within hours; the secret itself is nowhere in the page.
    const html = await call.phone.content();
    assert.ok(!html.includes(turn!.secret), "the TURN secret is not in the page");
    const creds = await issuedCredentials(call);
    assert.ok(creds.length >= 1, "the phone was given TURN credentials");
    for (const c of creds) {
      const [expiry, user] = c.username.split(":");
      const ttl = Number(expiry) - Date.now() / 1000;
      assert.ok(ttl > 0 && ttl <= 7200, `expires within the configured 2 h (in ${Math.round(ttl)} s)`);
      assert.ok(user && user.length > 0, "names the participant");
      assert.equal(c.credential, createHmac("sha1", turn!.secret).update(c.username).digest("base64"), "credential = base64(HMAC-SHA1(secret, username))");
      assert.ok(c.urls.every((u) => /^turns?:/.test(u)));
    }
    assert.deepEqual(cspViolations, []);
  });
}

/** The TURN credentials the server gave this phone, as its signalling answers carried them (recorded by the page's WebSocket). */
async function issuedCredentials(call: ImpairedCall): Promise<{ urls: string[]; username: string; credential: string }[]> {
  return call.phone.evaluate(() => (window as unknown as { __turnCredentials: { urls: string[]; username: string; credential: string }[] }).__turnCredentials ?? []);
}
