// A real coturn (Debian's `coturn` package) for the tests that need TURN: its
// own config in a temporary folder, a self-signed certificate made now for
// TURN over TLS, the TURN REST shared secret the product signs credentials
// with, ports chosen free at start. stop() ends it and removes the folder.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "./product-process";

export interface TurnServer {
  address: string;
  /** TURN over UDP and TCP. */
  port: number;
  /** TURN over TLS (and DTLS). */
  tlsPort: number;
  secret: string;
  /** Environment for the product (server/env.ts) pointing browsers at this server. */
  productEnv(urls?: ("udp" | "tcp" | "tls")[]): Record<string, string>;
  logs(): string;
  stop(): Promise<void>;
}

async function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

export async function startTurnServer(opts: { address: string; tlsPort?: number }): Promise<TurnServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-turn-"));
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${opts.address}`, "-addext", `subjectAltName=IP:${opts.address}`, "-keyout", key, "-out", cert], { stdio: "ignore" });
  const port = await freePort();
  const tlsPort = opts.tlsPort ?? (await freePort());
  const secret = randomBytes(24).toString("hex");
  const relayBase = 50000 + Math.floor(Math.random() * 100) * 100;
  const conf = path.join(dir, "turnserver.conf");
  writeFileSync(
    conf,
    [
      `listening-ip=${opts.address}`,
      `relay-ip=${opts.address}`,
      `listening-port=${port}`,
      `tls-listening-port=${tlsPort}`,
      // No alternative ports (RFC 5780): they would take port+1 and tlsPort+1, which may be another test's.
      `alt-listening-port=0`,
      `alt-tls-listening-port=0`,
      `min-port=${relayBase}`,
      `max-port=${relayBase + 99}`,
      "use-auth-secret",
      `static-auth-secret=${secret}`,
      "realm=claims-survey.test",
      `cert=${cert}`,
      `pkey=${key}`,
      "fingerprint",
      "no-cli",
      "no-multicast-peers",
      "no-software-attribute",
      `pidfile=${path.join(dir, "turnserver.pid")}`,
      "log-file=stdout",
      "simple-log",
      "verbose",
    ].join("\n") + "\n",
  );
  const child: ChildProcess = spawn("turnserver", ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out = (out + d).slice(-400_000)));
  child.stderr!.on("data", (d) => (out = (out + d).slice(-400_000)));
  const deadline = Date.now() + 60_000;
  while (!(await listening(opts.address, port)) || !(await listening(opts.address, tlsPort))) {
    if (child.exitCode !== null) throw new Error(`coturn exited with ${child.exitCode}:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`coturn did not listen within 60 s:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const urlsFor = (kinds: ("udp" | "tcp" | "tls")[]) =>
    kinds.map((k) => (k === "tls" ? `turns:${opts.address}:${tlsPort}?transport=tcp` : `turn:${opts.address}:${port}?transport=${k}`));
  return {
    address: opts.address,
    port,
    tlsPort,
    secret,
    productEnv: (kinds = ["udp", "tcp", "tls"]) => ({ TURN_URLS: urlsFor(kinds).join(","), TURN_SECRET: secret }),
    logs: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
