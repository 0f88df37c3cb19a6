// The real product with STORAGE=s3 against an S3-compatible server: an
// uploaded photo ends up in the bucket (not on the local disk) and is served
// back from there; a recording left by a killed server is recovered at start,
// uploaded, and played back with HTTP ranges from the bucket. A missing bucket
// setting stops the server at start with a clear message.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { startS3Server, type TestS3Server } from "../support/s3-server";
import { createDb } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { photoCookie } from "../support/photo-cookie";

const photo = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let s3: TestS3Server;
let product: RunningProduct;
let surveyId: string;
let token: string;

before(async () => {
  s3 = await startS3Server();
  product = await startProductProcess({ pages: "none", keepData: true, env: s3.productEnv() });
  ({ surveyId, policyholderToken: token } = await createSurveyViaApi(product, { plate: "沪A·00S3" }));
});
after(async () => {
  await product?.stop();
  if (product) rmSync(product.dataDir, { recursive: true, force: true });
  await s3?.close();
});

test("an uploaded photo is stored in the bucket with its SHA-256, not kept on local disk, and served back from the bucket", async () => {
  const r = await fetch(`${product.url}/api/captures`, {
    method: "POST",
    headers: { "Content-Type": "image/jpeg", "X-Invite-Token": token, "Idempotency-Key": "s3-photo-0001", "X-Capture-Item": "licence_plate" },
    body: new Uint8Array(photo),
  });
  assert.equal(r.status, 201, await r.clone().text());
  const { capture } = await r.json();

  const keys = await s3.keys(`${surveyId}/`);
  assert.deepEqual(keys, [`${surveyId}/photos/s3-photo-0001.jpg`, `${surveyId}/photos/s3-photo-0001.thumb-1024.jpg`, `${surveyId}/photos/s3-photo-0001.thumb-320.jpg`]);
  const original = await s3.object(`${surveyId}/photos/s3-photo-0001.jpg`);
  assert.ok(original?.bytes.equals(photo), "the bucket holds the uploaded bytes");
  assert.equal(original?.metadata.sha256, sha256(photo));
  const spoolPhotos = path.join(product.dataDir, "media", surveyId, "photos");
  assert.deepEqual(existsSync(spoolPhotos) ? readdirSync(spoolPhotos) : [], [], "the local spool keeps no copy");

  const thumb = await fetch(`${product.url}/api/captures/${capture.id}/thumb`, { headers: { Cookie: await photoCookie(product.url, token) } });
  assert.equal(thumb.status, 200);
  const served = Buffer.from(await thumb.arrayBuffer());
  assert.ok(served.equals((await s3.object(`${surveyId}/photos/s3-photo-0001.thumb-320.jpg`))!.bytes), "the thumbnail comes from the bucket");
  const health = (await (await fetch(`${product.url}/api/health`)).json()) as { storage: { kind: string; pendingUploads: number } };
  assert.deepEqual(health.storage, { kind: "s3", pendingUploads: 0, lastUploadFailure: null, nextUploadAttemptAt: null });
});

test("a recording left by a killed server is recovered at start into the bucket and played back with ranges", async () => {
  // As SIGKILL leaves it: a WebM in the spool without its index, the row still 'recording'.
  await product.stop();
  const key = `${surveyId}/ph-audio-1.webm`;
  const spoolFile = path.join(product.dataDir, "media", key);
  mkdirSync(path.dirname(spoolFile), { recursive: true });
  execFileSync("ffmpeg", ["-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "libopus", "-f", "webm", spoolFile]);
  const db = createDb(databaseTarget(`file:${path.join(product.dataDir, "claims-survey.db")}`));
  try {
    await db.recording.create({
      data: { id: "ph-audio-1", surveyId, participantId: "ph", role: "policyholder", kind: "audio", codec: "", storageKey: key, startedAt: new Date(Date.now() - 5000), status: "recording" },
    });
  } finally {
    await db.$disconnect();
  }

  product = await startProductProcess({ pages: "none", keepData: true, dataDir: product.dataDir, port: product.port, apiKey: product.apiKey, env: s3.productEnv() });
  const stored = await s3.object(key);
  assert.ok(stored, `recovery uploaded the recording:\n${product.logs().slice(-3000)}`);
  assert.equal(stored.metadata.sha256, sha256(stored.bytes));
  assert.ok(await s3.object(`${surveyId}/ph-audio-1.continuity.jsonl`), "the continuity log with its crash stop is uploaded too");
  assert.equal(existsSync(spoolFile), false, "the spool copy is evicted once uploaded");

  const login = await fetch(`${product.url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ json: { email: "admin@example.com", password: "admin-demo-2026" } }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");

  const range = await fetch(`${product.url}/api/recordings/ph-audio-1/media`, { headers: { Cookie: cookie, Range: "bytes=100-199" } });
  assert.equal(range.status, 206);
  assert.equal(range.headers.get("content-range"), `bytes 100-199/${stored.bytes.length}`);
  assert.ok(Buffer.from(await range.arrayBuffer()).equals(stored.bytes.subarray(100, 200)));
  const whole = await fetch(`${product.url}/api/recordings/ph-audio-1/media`, { headers: { Cookie: cookie } });
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(stored.bytes));
});

test("STORAGE=s3 without a bucket refuses to start and says which setting is missing", async () => {
  await assert.rejects(startProductProcess({ pages: "none", env: { ...s3.productEnv(), S3_BUCKET: "" } }), /S3_BUCKET is required with STORAGE=s3/);
});
