// The S3-compatible storage backend against a real S3 wire protocol server
// (s3rver, see tests/support/s3-server.ts) through the AWS SDK: what
// `finalise` puts in the bucket, reading it back with the spool copy evicted,
// multipart uploads, listings, deletes, refused keys, and an outage: the object
// stays final in the spool and its upload is owed until the server is back.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { createStorage, type StorageConfig } from "../../media/recording/storage/create-storage";
import type { RecordingStorage } from "../../media/recording/storage/recording-storage";
import type { S3Storage } from "../../media/recording/storage/s3-storage";
import { S3_TEST_CREDENTIALS, startS3Server, type TestS3Server } from "../support/s3-server";

const MiB = 1024 * 1024;
let s3: TestS3Server;
const spools: string[] = [];

before(async () => {
  s3 = await startS3Server();
});
after(async () => {
  await s3.close();
  for (const d of spools) rmSync(d, { recursive: true, force: true });
});

function storage(extra: Partial<Extract<StorageConfig, { kind: "s3" }>> = {}): { storage: RecordingStorage; spool: string } {
  const spool = mkdtempSync(path.join(os.tmpdir(), "cs-s3-spool-"));
  spools.push(spool);
  const config: StorageConfig = {
    kind: "s3",
    spoolDir: spool,
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
    maxAttempts: 1,
    ...extra,
  };
  return { storage: createStorage(config), spool };
}

async function write(st: RecordingStorage, key: string, bytes: Buffer) {
  const w = await st.put(key);
  // Two appends, as the recorder writes: the object is the concatenation.
  await w.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  await w.write(bytes.subarray(Math.floor(bytes.length / 2)));
  await w.sync();
  await w.close();
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const requestsFor = (objectKey: string, method: string) => s3.requests.filter((r) => r.startsWith(`${method} /${s3.bucket}/${objectKey}`));

describe("S3 storage, spool copy evicted after upload (the default)", () => {
  test("finalise uploads the bytes with their SHA-256 and evicts the spool copy; every reader still gets the object", async () => {
    const { storage: st, spool } = storage();
    const bytes = randomBytes(300_000);
    await write(st, "survey-1/agent-video-1.webm", bytes);
    assert.ok(existsSync(path.join(spool, "survey-1/agent-video-1.webm")), "in progress: the bytes are in the spool");
    assert.deepEqual(await s3.object("survey-1/agent-video-1.webm"), null, "in progress: nothing in the bucket yet");

    const fin = await st.finalise("survey-1/agent-video-1.webm");
    assert.equal(fin.size, bytes.length);
    assert.equal(fin.sha256, sha256(bytes));
    assert.equal(fin.location, `s3://${s3.bucket}/survey-1/agent-video-1.webm`);
    const stored = await s3.object("survey-1/agent-video-1.webm");
    assert.ok(stored);
    assert.ok(stored.bytes.equals(bytes), "the bucket holds the written bytes");
    assert.equal(stored.metadata.sha256, sha256(bytes), "x-amz-meta-sha256 is the object's hash");
    assert.equal(existsSync(path.join(spool, "survey-1/agent-video-1.webm")), false, "the spool copy is evicted");

    assert.ok((await readAll(await st.open("survey-1/agent-video-1.webm"))).equals(bytes), "open streams the object from the bucket");
    const part = await readAll(await st.open("survey-1/agent-video-1.webm", { start: 1000, end: 1999 }));
    assert.ok(part.equals(bytes.subarray(1000, 2000)), "a byte range comes back exactly");
    const stat = await st.stat("survey-1/agent-video-1.webm");
    assert.equal(stat?.size, bytes.length);
    assert.equal(stat?.sha256, sha256(bytes));
    assert.equal(await st.stat("survey-1/nothing.webm"), null);
  });

  test("ensureLocal fetches an evicted object once for concurrent callers; the last release evicts it again", async () => {
    const { storage: st, spool } = storage();
    const bytes = randomBytes(200_000);
    await write(st, "survey-2/photo.jpg", bytes);
    await st.finalise("survey-2/photo.jpg");
    const gets = requestsFor("survey-2/photo.jpg", "GET").length;

    const [a, b] = await Promise.all([st.ensureLocal("survey-2/photo.jpg"), st.ensureLocal("survey-2/photo.jpg")]);
    assert.equal(a, path.join(spool, "survey-2/photo.jpg"));
    assert.equal(b, a);
    assert.ok(readFileSync(a).equals(bytes), "the local file holds the stored bytes");
    assert.equal(requestsFor("survey-2/photo.jpg", "GET").length - gets, 1, "one download for both callers");

    await st.releaseLocal("survey-2/photo.jpg");
    assert.ok(existsSync(a), "still leased by the second caller");
    await st.releaseLocal("survey-2/photo.jpg");
    assert.equal(existsSync(a), false, "evicted after the last release");
    assert.ok((await s3.object("survey-2/photo.jpg"))?.bytes.equals(bytes), "the bucket copy is untouched");
  });

  test("a download that does not match the recorded SHA-256 is refused and leaves no file", async () => {
    const { storage: st, spool } = storage();
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: "survey-3/tampered.webm", Body: Buffer.from("changed bytes"), Metadata: { sha256: sha256(Buffer.from("original bytes")) } }));
    await assert.rejects(st.ensureLocal("survey-3/tampered.webm"), /does not match the stored object/);
    assert.equal(existsSync(path.join(spool, "survey-3/tampered.webm")), false);
    await assert.rejects(st.ensureLocal("survey-3/missing.webm"), /no object s3:\/\/claims-media\/survey-3\/missing\.webm/);
  });

  test("a file above the part size is uploaded in parts and arrives whole", async () => {
    const { storage: st } = storage({ partSizeBytes: 5 * MiB });
    const bytes = randomBytes(11 * MiB + 123);
    await write(st, "survey-4/composite.webm", bytes);
    const fin = await st.finalise("survey-4/composite.webm");
    assert.equal(fin.sha256, sha256(bytes));
    const parts = requestsFor("survey-4/composite.webm", "PUT").filter((r) => /[?&]partNumber=\d+/.test(r));
    assert.equal(parts.length, 3, "11 MiB in 5 MiB parts");
    assert.equal(requestsFor("survey-4/composite.webm", "POST").filter((r) => r.includes("uploads")).length, 1, "one multipart upload created");
    const stored = await s3.object("survey-4/composite.webm");
    assert.ok(stored?.bytes.equals(bytes), "the parts make up the file");
    assert.equal(stored?.metadata.sha256, sha256(bytes));
  });

  test("list merges the bucket with objects still in progress; a folder prefix is a folder, not a string prefix", async () => {
    const { storage: st } = storage();
    await write(st, "survey-5/a.webm", Buffer.from("a"));
    await st.finalise("survey-5/a.webm");
    await write(st, "survey-5/b.continuity.jsonl", Buffer.from("{}\n"));
    await write(st, "survey-50/c.webm", Buffer.from("c"));
    await st.finalise("survey-50/c.webm");
    const listed = await st.list("survey-5/");
    assert.deepEqual(listed.map((o) => [o.key, o.size, o.location.split(":")[0]]), [
      ["survey-5/a.webm", 1, "s3"],
      ["survey-5/b.continuity.jsonl", 3, "file"],
    ]);
    assert.deepEqual((await st.list("survey-5")).map((o) => o.key), listed.map((o) => o.key));
  });

  test("delete removes the object from the bucket and the spool", async () => {
    const { storage: st, spool } = storage({ keepLocalCopy: true });
    await write(st, "survey-6/x.jpg", Buffer.from("x"));
    await st.finalise("survey-6/x.jpg");
    assert.ok(existsSync(path.join(spool, "survey-6/x.jpg")));
    await st.delete("survey-6/x.jpg");
    assert.equal(await s3.object("survey-6/x.jpg"), null);
    assert.equal(existsSync(path.join(spool, "survey-6/x.jpg")), false);
    assert.deepEqual(await st.list("survey-6/"), []);
  });

  test("keys that could escape the spool or the prefix are refused before any request", async () => {
    const { storage: st } = storage();
    const before = s3.requests.length;
    for (const bad of ["../etc/passwd", "/abs/path", "a/../../b", "a//b", "with space.jpg", ".incoming/x", ""]) {
      await assert.rejects(st.put(bad), `put ${JSON.stringify(bad)}`);
      await assert.rejects(st.open(bad), `open ${JSON.stringify(bad)}`);
      await assert.rejects(st.delete(bad), `delete ${JSON.stringify(bad)}`);
      await assert.rejects(st.ensureLocal(bad), `ensureLocal ${JSON.stringify(bad)}`);
    }
    await assert.rejects(st.list("../"), "list ../");
    assert.equal(s3.requests.length, before, "nothing reached the server");
    assert.throws(() => createStorage({ kind: "s3", spoolDir: "/tmp/x", bucket: "Bad_Bucket" }), /bucket names/);
    assert.throws(() => createStorage({ kind: "s3", spoolDir: "/tmp/x", bucket: "ok-bucket", prefix: "../up" }), /prefix/);
  });
});

describe("S3 storage options", () => {
  test("a prefix puts every object in a folder of the bucket; keys come back without it", async () => {
    const { storage: st } = storage({ prefix: "deployment-a" });
    await write(st, "survey-7/p.jpg", Buffer.from("p"));
    const fin = await st.finalise("survey-7/p.jpg");
    assert.equal(fin.location, `s3://${s3.bucket}/deployment-a/survey-7/p.jpg`);
    assert.deepEqual(await s3.keys("deployment-a/"), ["deployment-a/survey-7/p.jpg"]);
    assert.deepEqual((await st.list("survey-7/")).map((o) => o.key), ["survey-7/p.jpg"]);
    assert.equal((await readAll(await st.open("survey-7/p.jpg"))).toString(), "p");
  });

  test("keepLocalCopy keeps the spool copy as a read cache: reads cost no request", async () => {
    const { storage: st, spool } = storage({ keepLocalCopy: true, checksum: "off" });
    const bytes = randomBytes(10_000);
    await write(st, "survey-8/kept.webm", bytes);
    await st.finalise("survey-8/kept.webm");
    assert.ok((await s3.object("survey-8/kept.webm"))?.bytes.equals(bytes));
    const before = s3.requests.length;
    assert.equal(await st.ensureLocal("survey-8/kept.webm"), path.join(spool, "survey-8/kept.webm"));
    await st.releaseLocal("survey-8/kept.webm");
    assert.ok(existsSync(path.join(spool, "survey-8/kept.webm")), "a release does not evict a kept copy");
    assert.ok((await readAll(await st.open("survey-8/kept.webm"))).equals(bytes));
    assert.equal(s3.requests.length, before);
  });
});

describe("S3 storage while the server is down", () => {
  // A long first wait keeps the background retry out of the way; the tests flush by hand.
  const patient = { retryFirstDelayMs: 3_600_000 };

  test("finalise keeps the object final in the spool and owes the upload; it lands once the server is back", async () => {
    const { storage: st, spool } = storage(patient);
    const s3st = st as S3Storage;
    const bytes = randomBytes(50_000);
    await write(st, "survey-9/agent-audio-1.webm", bytes);
    await write(st, "survey-9/earlier.webm", Buffer.from("earlier"));
    await st.finalise("survey-9/earlier.webm");
    await s3.stop();
    try {
      const fin = await st.finalise("survey-9/agent-audio-1.webm");
      assert.equal(fin.pendingUpload, true);
      assert.equal(fin.sha256, sha256(bytes));
      assert.equal(fin.location, `file://${path.join(spool, "survey-9/agent-audio-1.webm")}`);
      const owed = await s3st.pendingUploads();
      assert.deepEqual(owed.map((p) => [p.key, p.size, p.sha256]), [["survey-9/agent-audio-1.webm", bytes.length, sha256(bytes)]]);
      assert.match(owed[0]!.lastError, new RegExp(`upload of s3://${s3.bucket}/survey-9/agent-audio-1\\.webm at ${s3.endpoint.replace(/\./g, "\\.")} failed: .*ECONNREFUSED`));
      // Readers that need a file get the spool copy: the evidence build does not wait for the bucket.
      assert.ok(readFileSync(await st.ensureLocal("survey-9/agent-audio-1.webm")).equals(bytes));
      await st.releaseLocal("survey-9/agent-audio-1.webm");
      assert.ok(existsSync(path.join(spool, "survey-9/agent-audio-1.webm")), "an owed object is never evicted");
      assert.equal(await s3st.flushPendingUploads(), 1, "still owed while the server is down");
      assert.equal((await s3st.pendingUploads())[0]!.attempts, 2);
      await assert.rejects(st.ensureLocal("survey-9/earlier.webm"), /reading s3:\/\/.*earlier\.webm .* failed: .*ECONNREFUSED/);
      await assert.rejects(st.list("survey-9/"), /listing s3:\/\/claims-media\/survey-9\/ at .* failed: .*ECONNREFUSED/);
    } finally {
      await s3.start();
    }
    assert.equal(await s3st.flushPendingUploads(), 0);
    assert.ok((await s3.object("survey-9/agent-audio-1.webm"))?.bytes.equals(bytes));
    assert.deepEqual(await s3st.pendingUploads(), []);
    assert.equal(existsSync(path.join(spool, "survey-9/agent-audio-1.webm")), false, "evicted once uploaded");
    st.close?.();
  });

  test("an upload owed when the server stopped is made by the next process on the same spool", async () => {
    const first = storage(patient);
    const bytes = randomBytes(20_000);
    await write(first.storage, "survey-10/adjuster-video-1.webm", bytes);
    await s3.stop();
    try {
      assert.equal((await first.storage.finalise("survey-10/adjuster-video-1.webm")).pendingUpload, true);
    } finally {
      first.storage.close?.();
      await s3.start();
    }
    // A restart: a new storage on the same spool with the default short first wait.
    const again = createStorage({ kind: "s3", spoolDir: first.spool, bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS, maxAttempts: 1, retryFirstDelayMs: 10 }) as S3Storage;
    for (let i = 0; i < 100 && (await again.pendingUploads()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await again.pendingUploads(), []);
    assert.ok((await s3.object("survey-10/adjuster-video-1.webm"))?.bytes.equals(bytes));
    assert.equal(existsSync(path.join(first.spool, "survey-10/adjuster-video-1.webm")), false);
    again.close();
  });

  test("an object deleted or rewritten while its upload is owed is no longer owed", async () => {
    const { storage: st } = storage(patient);
    const s3st = st as S3Storage;
    await write(st, "survey-11/a.webm", Buffer.from("a"));
    await write(st, "survey-11/b.webm", Buffer.from("b"));
    await s3.stop();
    try {
      await st.finalise("survey-11/a.webm");
      await st.finalise("survey-11/b.webm");
      assert.equal((await s3st.pendingUploads()).length, 2);
      await write(st, "survey-11/b.webm", Buffer.from("b, rendered again"));
      assert.deepEqual((await s3st.pendingUploads()).map((p) => p.key), ["survey-11/a.webm"]);
    } finally {
      await s3.start();
    }
    await st.delete("survey-11/a.webm");
    assert.deepEqual(await s3st.pendingUploads(), []);
    st.close?.();
  });
});
