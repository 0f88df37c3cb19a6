// An S3-compatible server for the tests: s3rver (npm, a dev dependency) in this
// process, serving S3's REST API over HTTP on a free loopback port with its
// objects in a temporary folder. It speaks the same wire protocol as AWS S3,
// MinIO or Ceph (ListObjectsV2, multipart uploads, user metadata, ranged GETs),
// so the product's S3 backend is exercised through the real AWS SDK. It does
// not check SigV4 signatures, only that the access key exists (S3RVER).
// `stop()`/`start()` take the server down and back up on the same port with
// the same objects, to test what an outage does.
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import S3rver from "s3rver";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./product-process";

// Node 20 is still supported by the pinned SDK; its notice about later releases is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const S3_TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** `METHOD /path?query` of every request served, in order. */
  requests: string[];
  client: S3Client;
  /** The product's environment for STORAGE=s3 against this server. */
  productEnv(extra?: Record<string, string>): Record<string, string>;
  /** Bytes and user metadata of one object, straight from the server. */
  object(key: string): Promise<{ bytes: Buffer; metadata: Record<string, string> } | null>;
  keys(prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = "claims-media"): Promise<TestS3Server> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cs-s3rver-"));
  const s3 = new S3rver({ silent: true, directory: dir, configureBuckets: [{ name: bucket, configs: [] }] });
  await s3.configureBuckets();
  const handle = s3.callback();
  const requests: string[] = [];
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let server: http.Server | undefined;

  const start = async () => {
    const srv = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, "127.0.0.1", () => resolve());
    });
    server = srv;
  };
  const stop = async () => {
    const srv = server;
    server = undefined;
    if (!srv) return;
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    });
  };
  await start();

  const client = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  return {
    endpoint,
    bucket,
    requests,
    client,
    productEnv: (extra = {}) => ({
      STORAGE: "s3",
      S3_BUCKET: bucket,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "1",
      S3_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...extra,
    }),
    async object(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { bytes: Buffer.from(await got.Body!.transformToByteArray()), metadata: head.Metadata ?? {} };
      } catch (err) {
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
        throw err;
      }
    },
    async keys(prefix = "") {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    start,
    stop,
    async close() {
      await stop();
      client.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
