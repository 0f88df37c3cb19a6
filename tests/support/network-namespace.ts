// A phone on a bad network, for browser tests: the phone's Chromium runs in a
// Linux network namespace of its own, joined to the machine's namespace (where
// the product runs) by a veth pair with private addresses chosen per run. Every
// impairment lives on interfaces and namespaces this file creates, so no other
// traffic on the machine is touched, and `remove()` (or the process exiting)
// deletes all of it.
//
// The kernel here has no netem, so: rate caps are `tc tbf`, loss and blackouts
// are nftables rules inside the phone's namespace (both directions, since they
// hook the phone's input and output), and delay/jitter is a userspace relay
// (startDelayRelay) that holds packets back between a second server-side
// address and the product.
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchBrowser } from "./browser";

const run = promisify(execFile);

async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) return (await run(cmd, args, { maxBuffer: 1 << 22 })).stdout;
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 1 << 22 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin!.end(input);
  });
}

export interface RateCap {
  /** Phone → server (the phone's uplink), kbit/s. */
  upKbit?: number;
  /** Server → phone (the phone's downlink), kbit/s. */
  downKbit?: number;
}

/** What nftables lets through to/from the phone, besides loss. */
export type Filter =
  | { kind: "open" }
  /** Nothing in either direction: a tunnel, a dead cell. */
  | { kind: "blackout" }
  /** No UDP at all (hotel or company Wi-Fi); TCP only to these server ports (all TCP if omitted). */
  | { kind: "tcp-only"; tcpPorts?: number[] }
  /** Only these server ports, per protocol (an omitted or empty list blocks that protocol). */
  | { kind: "allow-only"; udpPorts?: number[]; tcpPorts?: number[] };

export interface PhoneNetwork {
  /** The phone's namespace (`ip netns exec <ns> ...`). */
  ns: string;
  /** The server end of the veth pair, in the machine's namespace: the product listens and announces here. */
  serverAddress: string;
  /** A second server-side address on the same link, for delay relays (startDelayRelay listens here). */
  relayAddress: string;
  /** The phone's current address. */
  phoneAddress: string;
  /** The phone's interface inside its namespace, and the server's end in the machine's namespace. */
  phoneIf: string;
  serverIf: string;
  /** An executable that runs Debian's Chromium inside the phone's namespace (playwright-core's executablePath). */
  chromiumWrapper: string;
  /** Runs a command inside the phone's namespace; returns its stdout. */
  exec(cmd: string, args: string[], input?: string): Promise<string>;
  /** Caps the link with tbf; omitted directions are uncapped. */
  capRate(cap: RateCap): Promise<void>;
  /** Random loss of this percentage of packets, each direction independently (nftables numgen). 0 = none. */
  setLoss(percent: number, opts?: { udpOnly?: boolean }): Promise<void>;
  setFilter(filter: Filter): Promise<void>;
  blackout(): Promise<void>;
  /** Back to an open link (the filter only; loss and rate caps stay as set). */
  restore(): Promise<void>;
  /** The phone moves to a new address on the same link (Wi-Fi → 4G): the old address disappears. Returns the new one. */
  changeAddress(): Promise<string>;
  /** Counters of packets the rules dropped so far, by rule purpose. */
  dropped(): Promise<{ loss: number; filter: number }>;
  remove(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test that throws or is interrupted must not leave namespaces behind.
  const cleanup = () => {
    for (const ns of live) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        /* already gone */
      }
    }
    live.clear();
  };
  process.once("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => (cleanup(), process.exit(130)));
}

/** A /24 of 10.x.y.0 not used by any interface on this machine. */
async function freeSubnet(): Promise<string> {
  const used = await sh("ip", ["-o", "-4", "addr", "show"]);
  for (let i = 0; i < 200; i++) {
    const prefix = `10.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 256)}`;
    if (!used.includes(` ${prefix}.`)) return prefix;
  }
  throw new Error("no free 10.x.y.0/24 subnet found for the test network");
}

const TABLE = "phone_net";

/** nftables rules (";"-separated) for the phone's output and input chains. */
function filterRules(f: Filter): { out: string; in: string } {
  const only = (proto: "udp" | "tcp", ports: number[] | undefined, dir: "dport" | "sport") =>
    ports?.length ? `${proto} ${dir} != { ${ports.join(", ")} } counter drop;` : `meta l4proto ${proto} counter drop;`;
  switch (f.kind) {
    case "open":
      return { out: "", in: "" };
    case "blackout":
      return { out: "counter drop", in: "counter drop" };
    case "tcp-only": {
      // Inbound TCP comes from the allowed ports only, since the phone can only have opened connections to them.
      const ports = f.tcpPorts?.length ? `tcp dport != { ${f.tcpPorts.join(", ")} } counter drop;` : "";
      return { out: `meta l4proto udp counter drop; ${ports}`, in: "meta l4proto udp counter drop" };
    }
    case "allow-only":
      return {
        out: `${only("udp", f.udpPorts, "dport")} ${only("tcp", f.tcpPorts, "dport")}`,
        in: `${only("udp", f.udpPorts, "sport")} ${only("tcp", f.tcpPorts, "sport")}`,
      };
  }
}

/**
 * Creates the phone's namespace and link. `tag` names the namespace (seen in `ip netns list` if a test dies).
 */
export async function createPhoneNetwork(opts: { tag?: string } = {}): Promise<PhoneNetwork> {
  installExitHook();
  const id = Math.random().toString(36).slice(2, 8);
  const ns = `cs-${opts.tag ?? "phone"}-${id}`.slice(0, 30);
  const phoneIf = `vp${id}`;
  const serverIf = `vs${id}`;
  const subnet = await freeSubnet();
  const serverAddress = `${subnet}.1`;
  const relayAddress = `${subnet}.5`;
  let phoneAddress = `${subnet}.2`;
  let nextHost = 3;

  await sh("ip", ["netns", "add", ns]);
  live.add(ns);
  const inNs = (cmd: string, args: string[], input?: string) => sh("ip", ["netns", "exec", ns, cmd, ...args], input);
  try {
    await sh("ip", ["link", "add", serverIf, "type", "veth", "peer", "name", phoneIf]);
    await sh("ip", ["link", "set", phoneIf, "netns", ns]);
    await sh("ip", ["addr", "add", `${serverAddress}/24`, "dev", serverIf]);
    await sh("ip", ["addr", "add", `${relayAddress}/32`, "dev", serverIf]);
    await sh("ip", ["link", "set", serverIf, "up"]);
    await inNs("ip", ["link", "set", "lo", "up"]);
    await inNs("ip", ["addr", "add", `${phoneAddress}/24`, "dev", phoneIf]);
    await inNs("ip", ["link", "set", phoneIf, "up"]);
    // The relay address is on the same link: reachable without a gateway.
    await inNs("ip", ["route", "add", `${relayAddress}/32`, "dev", phoneIf]);
    // Chains exist from the start (empty = open); impairments swap their rules.
    await inNs("nft", ["-f", "-"], `table inet ${TABLE} {
      chain loss_in { }
      chain loss_out { }
      chain filter_in { }
      chain filter_out { }
      chain input { type filter hook input priority 0; policy accept; iifname "lo" accept; jump filter_in; jump loss_in; }
      chain output { type filter hook output priority 0; policy accept; oifname "lo" accept; jump filter_out; jump loss_out; }
    }\n`);
  } catch (err) {
    await sh("ip", ["netns", "del", ns]).catch(() => {});
    live.delete(ns);
    throw err;
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), `cs-netns-${id}-`));
  const chromiumWrapper = path.join(dir, "chromium-in-namespace");
  // playwright-core talks to Chromium over a pipe (fds 3/4), which `ip netns exec` passes through.
  writeFileSync(chromiumWrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`);
  chmodSync(chromiumWrapper, 0o755);

  const replaceChain = (chain: string, rules: string) =>
    inNs("nft", ["-f", "-"], `flush chain inet ${TABLE} ${chain}\n${rules ? `add rule inet ${TABLE} ${chain} ${rules.split(";").map((r) => r.trim()).filter(Boolean).join(`\nadd rule inet ${TABLE} ${chain} `)}\n` : ""}`);

  const network: PhoneNetwork = {
    ns,
    serverAddress,
    relayAddress,
    get phoneAddress() {
      return phoneAddress;
    },
    phoneIf,
    serverIf,
    chromiumWrapper,
    exec: inNs,
    async capRate(cap) {
      // tbf: burst must hold at least one MTU-sized packet; latency bounds the queue (drops beyond it, as a real bottleneck does).
      const apply = async (inside: boolean, dev: string, kbit: number | undefined) => {
        const args = kbit
          ? ["qdisc", "replace", "dev", dev, "root", "tbf", "rate", `${kbit}kbit`, "burst", `${Math.max(4, Math.ceil(kbit / 50))}kb`, "latency", "300ms"]
          : ["qdisc", "del", "dev", dev, "root"];
        const p = inside ? inNs("tc", args) : sh("tc", args);
        await p.catch((e) => {
          if (kbit) throw e; // deleting an absent qdisc is fine
        });
      };
      await apply(true, phoneIf, cap.upKbit);
      await apply(false, serverIf, cap.downKbit);
    },
    async setLoss(percent, o = {}) {
      if (percent < 0 || percent > 100) throw new Error(`loss must be 0..100, got ${percent}`);
      const rule = percent > 0 ? `${o.udpOnly ? "meta l4proto udp " : ""}numgen random mod 100 < ${Math.round(percent)} counter drop` : "";
      await replaceChain("loss_in", rule);
      await replaceChain("loss_out", rule);
    },
    async setFilter(f) {
      const rules = filterRules(f);
      await replaceChain("filter_out", rules.out);
      await replaceChain("filter_in", rules.in);
    },
    blackout() {
      return network.setFilter({ kind: "blackout" });
    },
    restore() {
      return network.setFilter({ kind: "open" });
    },
    async changeAddress() {
      const old = phoneAddress;
      let host = nextHost++;
      if (host === 5) host = nextHost++; // .5 is the relay's
      phoneAddress = `${subnet}.${host}`;
      // Old address first, then the new one (Wi-Fi gone, then 4G up): deleting a primary address would flush a
      // secondary added before it. The subnet routes go with the old address and come back with the new one.
      await inNs("ip", ["addr", "del", `${old}/24`, "dev", phoneIf]);
      await inNs("ip", ["addr", "add", `${phoneAddress}/24`, "dev", phoneIf]);
      await inNs("ip", ["route", "replace", `${relayAddress}/32`, "dev", phoneIf]);
      return phoneAddress;
    },
    async dropped() {
      const out = await inNs("nft", ["list", "table", "inet", TABLE]);
      const sum = (chain: string) => {
        const body = out.split(`chain ${chain} {`)[1]?.split("}")[0] ?? "";
        return [...body.matchAll(/counter packets (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      };
      return { loss: sum("loss_in") + sum("loss_out"), filter: sum("filter_in") + sum("filter_out") };
    },
    async remove() {
      if (live.has(ns)) {
        // Deleting the namespace deletes the phone's veth end and with it the server's end.
        await sh("ip", ["netns", "del", ns]).catch(() => {});
        live.delete(ns);
      }
      await sh("ip", ["link", "del", serverIf]).catch(() => {}); // normally gone already
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return network;
}

/**
 * The phone's Chromium, inside its namespace (same flags as launchBrowser).
 * secureOrigins: the product's http origin on the test network (e.g. product.url), so that the
 * page may use camera and microphone as it would over https.
 */
export function launchBrowserInNamespace(network: PhoneNetwork, opts: { fakeVideoFile?: string; askForMedia?: boolean; secureOrigins?: string[]; extraArgs?: string[] } = {}): Promise<Browser> {
  return launchBrowser({ ...opts, executablePath: network.chromiumWrapper });
}

/**
 * Environment for tests/support/product-process.ts so that the product listens
 * and announces on the server end of the veth pair (pages, signalling and media).
 * With `announce` the SFU announces another address (a delay relay's).
 */
export function productEnvFor(network: PhoneNetwork, port: number, announce?: string): Record<string, string> {
  return {
    HOST: network.serverAddress,
    PUBLIC_URL: `http://${network.serverAddress}:${port}`,
    MEDIASOUP_LISTEN_IP: network.serverAddress,
    MEDIASOUP_ANNOUNCED_ADDRESS: announce ?? network.serverAddress,
  };
}

export interface DelayRelay {
  /** Packets (UDP) or chunks (TCP) relayed so far, each way. */
  stats(): { toTarget: number; toClient: number };
  setDelay(delayMs: number, jitterMs?: number): void;
  close(): Promise<void>;
}

/**
 * A userspace relay that holds each packet (UDP) or chunk (TCP) back for
 * delayMs ± jitterMs in each direction, so the round trip grows by about
 * 2 × delayMs. It listens on listen.host:listen.port (normally
 * network.relayAddress with the product's port) and forwards to target.
 * UDP: one upstream socket per client address, as a NAT would. With jitter,
 * order is kept per direction (a later packet never overtakes), as on a real
 * queue; the jitter shows up as varying delay.
 */
export async function startDelayRelay(opts: {
  protocol: "udp" | "tcp";
  listen: { host: string; port: number };
  target: { host: string; port: number };
  delayMs: number;
  jitterMs?: number;
}): Promise<DelayRelay> {
  let delayMs = opts.delayMs;
  let jitterMs = opts.jitterMs ?? 0;
  const counts = { toTarget: 0, toClient: 0 };
  // Keeps order per direction: each packet leaves no earlier than the previous one, and
  // never before it. One timer per direction, for the head of a FIFO, so order holds by
  // construction: with a timer per packet it rested on how Node orders timers whose due
  // times, computed from Date.now(), differ by a rounding of a millisecond. (In the capture
  // bench of 2026-12-03, 3 of 30 photo uploads through the old relay were refused by their
  // SHA-256 and sent again, and one of 15 later never finished; 15 of 15 were clean through
  // this one. That the old relay caused them is likely, not proven.)
  const queue = () => {
    let last = 0;
    const waiting: { due: number; send: () => void }[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const now = Date.now();
      while (waiting.length > 0 && waiting[0]!.due <= now) waiting.shift()!.send();
      if (waiting.length > 0) timer = setTimeout(flush, Math.max(1, waiting[0]!.due - now));
    };
    return (send: () => void) => {
      const due = Math.max(Date.now() + delayMs + (jitterMs ? (Math.random() * 2 - 1) * jitterMs : 0), last);
      last = due;
      waiting.push({ due, send });
      if (timer === null) timer = setTimeout(flush, Math.max(1, due - Date.now()));
    };
  };

  if (opts.protocol === "udp") {
    const front = dgram.createSocket("udp4");
    const upstream = new Map<string, { sock: dgram.Socket; toTarget: (f: () => void) => void; toClient: (f: () => void) => void }>();
    front.on("message", (msg, rinfo) => {
      const key = `${rinfo.address}:${rinfo.port}`;
      let u = upstream.get(key);
      if (!u) {
        const sock = dgram.createSocket("udp4");
        u = { sock, toTarget: queue(), toClient: queue() };
        const entry = u;
        sock.on("message", (back) => {
          counts.toClient++;
          entry.toClient(() => front.send(back, rinfo.port, rinfo.address, () => {}));
        });
        sock.on("error", () => {});
        upstream.set(key, u);
      }
      counts.toTarget++;
      const { sock } = u;
      u.toTarget(() => sock.send(msg, opts.target.port, opts.target.host, () => {}));
    });
    front.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      front.once("error", reject);
      front.bind(opts.listen.port, opts.listen.host, () => resolve());
    });
    return {
      stats: () => ({ ...counts }),
      setDelay(d, j = 0) {
        delayMs = d;
        jitterMs = j;
      },
      async close() {
        for (const u of upstream.values()) u.sock.close();
        await new Promise<void>((r) => front.close(() => r()));
      },
    };
  }

  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const target = net.connect(opts.target.port, opts.target.host);
    sockets.add(client).add(target);
    const up = queue();
    const down = queue();
    client.on("data", (d) => {
      counts.toTarget++;
      up(() => target.writable && target.write(d));
    });
    target.on("data", (d) => {
      counts.toClient++;
      down(() => client.writable && client.write(d));
    });
    // Ends are delayed too, so they do not overtake data still held back.
    client.on("end", () => up(() => target.end()));
    target.on("end", () => down(() => client.end()));
    const kill = () => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.on("error", kill).on("close", () => up(kill));
    target.on("error", kill).on("close", () => down(kill));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listen.port, opts.listen.host, () => resolve());
  });
  return {
    stats: () => ({ ...counts }),
    setDelay(d, j = 0) {
      delayMs = d;
      jitterMs = j;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
