// A real RFC 3161 time-stamping authority for tests, made of Debian's
// `openssl ts`: a CA, a TSA certificate it issued (extendedKeyUsage critical
// timeStamping), and a small HTTP server that answers
// application/timestamp-query with `openssl ts -reply`. It can be told to
// refuse (HTTP 503) or to hang, to test a TSA that fails or is slow.
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CertificateAuthority {
  certPath: string;
  keyPath: string;
  subject: string;
}

/** A self-signed CA (basicConstraints CA:TRUE) in `dir`. */
export async function createCertificateAuthority(dir: string, name: string): Promise<CertificateAuthority> {
  await fs.mkdir(dir, { recursive: true });
  const certPath = path.join(dir, "ca.pem");
  const keyPath = path.join(dir, "ca.key");
  const subject = `/CN=${name} Root CA/O=Claims Survey Tests`;
  await run("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-subj", subject, "-days", "3",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return { certPath, keyPath, subject };
}

export type TsaBehaviour = "answer" | "refuse" | "hang";

export interface LocalTsa {
  url: string;
  /** The CA that issued the TSA certificate: what an auditor passes to --tsa-trust. */
  ca: CertificateAuthority;
  /** The TSA's own certificate (PEM). */
  tsaCertPath: string;
  /** Time-stamp requests answered with a token. */
  readonly granted: number;
  /** Requests received, whatever the answer. */
  readonly received: number;
  behaviour: TsaBehaviour;
  stop(): Promise<void>;
}

export async function startLocalTsa(opts: { name?: string; auth?: { username: string; password: string } } = {}): Promise<LocalTsa> {
  const name = opts.name ?? "Local Test";
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "local-tsa-"));
  const ca = await createCertificateAuthority(path.join(dir, "ca"), name);

  const tsaKey = path.join(dir, "tsa.key");
  const tsaCsr = path.join(dir, "tsa.csr");
  const tsaCertPath = path.join(dir, "tsa.pem");
  const ext = path.join(dir, "tsa-ext.cnf");
  await fs.writeFile(ext, ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,nonRepudiation", "extendedKeyUsage=critical,timeStamping", "subjectKeyIdentifier=hash", "authorityKeyIdentifier=keyid", ""].join("\n"));
  await run("openssl", ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", tsaKey, "-out", tsaCsr, "-subj", `/CN=${name} TSA/O=Claims Survey Tests`]);
  await run("openssl", ["x509", "-req", "-in", tsaCsr, "-CA", ca.certPath, "-CAkey", ca.keyPath, "-set_serial", "2", "-days", "2", "-sha256", "-extfile", ext, "-out", tsaCertPath]);

  const serial = path.join(dir, "serial");
  await fs.writeFile(serial, "01\n");
  const config = path.join(dir, "tsa.cnf");
  await fs.writeFile(
    config,
    [
      "[ tsa ]",
      "default_tsa = local_tsa",
      "[ local_tsa ]",
      `dir = ${dir}`,
      `serial = ${serial}`,
      `signer_cert = ${tsaCertPath}`,
      `signer_key = ${tsaKey}`,
      `certs = ${ca.certPath}`,
      "signer_digest = sha256",
      "default_policy = 1.2.3.4.1",
      "digests = sha256, sha384, sha512",
      "accuracy = secs:1",
      "ordering = yes",
      "tsa_name = yes",
      "ess_cert_id_chain = no",
      "ess_cert_id_alg = sha256",
      "",
    ].join("\n"),
  );

  let granted = 0;
  let received = 0;
  let n = 0;
  // openssl ts keeps its serial file: one reply at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const hanging = new Set<http.ServerResponse>();
  const expectedAuth = opts.auth ? `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString("base64")}` : undefined;

  const tsa: LocalTsa = {
    url: "",
    ca,
    tsaCertPath,
    get granted() {
      return granted;
    },
    get received() {
      return received;
    },
    behaviour: "answer",
    stop: async () => {
      for (const res of hanging) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received++;
      if (req.method !== "POST" || req.headers["content-type"] !== "application/timestamp-query") {
        res.writeHead(415).end();
        return;
      }
      if (expectedAuth && req.headers.authorization !== expectedAuth) {
        res.writeHead(401, { "www-authenticate": 'Basic realm="tsa"' }).end();
        return;
      }
      if (tsa.behaviour === "refuse") {
        res.writeHead(503).end();
        return;
      }
      if (tsa.behaviour === "hang") {
        hanging.add(res);
        return;
      }
      const id = ++n;
      const query = path.join(dir, `q${id}.tsq`);
      const reply = path.join(dir, `r${id}.tsr`);
      queue = queue.then(async () => {
        try {
          await fs.writeFile(query, Buffer.concat(chunks));
          await run("openssl", ["ts", "-reply", "-config", config, "-queryfile", query, "-out", reply]);
          const body = await fs.readFile(reply);
          granted++;
          res.writeHead(200, { "content-type": "application/timestamp-reply", "content-length": body.length }).end(body);
        } catch {
          res.writeHead(500).end();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
  return tsa;
}
