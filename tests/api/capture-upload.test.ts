// The photo upload endpoint over HTTP: bad files get a clear 4xx and leave
// nothing behind; a retried upload (same idempotency key) is stored once.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { jpegClaiming8000x6000, pngWithCorruptDataChunk } from "../support/damaged-photos";

let product: RunningProduct;
let token: string;
let surveyId: string;
const photo = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"));

before(async () => {
  product = await startProductProcess({ pages: "none" });
  ({ surveyId, policyholderToken: token } = await createSurveyViaApi(product, { plate: "沪A·00002" }));
});
after(() => product.stop());

function upload(body: Buffer, headers: Record<string, string> = {}) {
  return fetch(`${product.url}/api/captures`, {
    method: "POST",
    headers: { "Content-Type": "image/jpeg", "X-Invite-Token": token, "Idempotency-Key": `k-${Math.random().toString(36).slice(2)}`, "X-Capture-Item": "licence_plate", ...headers },
    body: new Uint8Array(body),
  });
}

const photosDir = () => path.join(product.dataDir, "media", surveyId, "photos");

test("bad uploads get a clear 4xx and store nothing", async () => {
  const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#888" } }).jpeg().toBuffer();
  const cases: [string, Buffer, number, string][] = [
    ["empty file", Buffer.alloc(0), 400, "empty_file"],
    ["text named .jpg", Buffer.from("hello, this is not a photo\n".repeat(50)), 415, "not_an_image"],
    ["PDF named .jpg", Buffer.from("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n" + " ".repeat(2000)), 415, "not_an_image"],
    ["truncated JPEG", photo.subarray(0, Math.floor(photo.length / 2)), 422, "truncated_image"],
    ["1×1 image", tiny, 422, "image_too_small"],
  ];
  for (const [name, body, status, code] of cases) {
    const r = await upload(body);
    assert.equal(r.status, status, name);
    const json = await r.json();
    assert.equal(json.error.code, code, name);
    assert.ok(json.error.message["zh-CN"] && json.error.message.en, `${name}: message in both languages`);
  }
  const big = await upload(Buffer.alloc(26 * 1024 * 1024, 0xff));
  assert.equal(big.status, 413);
  assert.ok(!existsSync(photosDir()) || readdirSync(photosDir()).length === 0, "nothing was written for rejected uploads");
});

test("photos whose header is sound but whose pixels do not decode get 422 corrupt_image, never a 500", async () => {
  const cases: [string, Buffer, string][] = [
    ["PNG with a corrupt data chunk", await pngWithCorruptDataChunk(), "image/png"],
    ["JPEG whose header claims 8000×6000", await jpegClaiming8000x6000(), "image/jpeg"],
  ];
  for (const [name, body, type] of cases) {
    // Several times each: the quality check and the thumbnail step race to the decode error.
    for (let i = 0; i < 4; i++) {
      const r = await upload(body, { "Content-Type": type });
      const text = await r.text();
      assert.equal(r.status, 422, `${name}: ${text}`);
      const json = JSON.parse(text);
      assert.equal(json.error.code, "corrupt_image", name);
      assert.ok(json.error.message["zh-CN"] && json.error.message.en, `${name}: message in both languages`);
      assert.doesNotMatch(text, /vips|libpng|jpeg data|stack|\/work\//i, `${name}: no internal text`);
    }
  }
  assert.ok(!existsSync(photosDir()) || readdirSync(photosDir()).length === 0, "nothing was written for damaged photos");
  assert.doesNotMatch(product.logs(), /capture route failed/, "no unexpected-error log line");
});

test("missing credentials or headers are refused", async () => {
  assert.equal((await upload(photo, { "X-Invite-Token": "" })).status, 404);
  const noKey = await fetch(`${product.url}/api/captures`, { method: "POST", headers: { "Content-Type": "image/jpeg", "X-Invite-Token": token, "X-Capture-Item": "licence_plate" }, body: new Uint8Array(photo) });
  assert.equal(noKey.status, 400);
  assert.equal((await upload(photo, { "X-Capture-Item": "not_on_the_list" })).status, 400);
});

test("a retried upload with the same idempotency key is stored once and answers the same", async () => {
  const key = "retry-test-0001";
  const [a, b] = await Promise.all([upload(photo, { "Idempotency-Key": key }), upload(photo, { "Idempotency-Key": key })]);
  const c = await upload(photo, { "Idempotency-Key": key });
  const bodies = await Promise.all([a.json(), b.json(), c.json()]);
  assert.deepEqual([a.status, b.status, c.status].sort(), [200, 200, 201]);
  assert.equal(new Set(bodies.map((x) => x.capture.id)).size, 1);
  const originals = readdirSync(photosDir()).filter((n) => !n.includes(".thumb-"));
  assert.equal(originals.length, 1);
  assert.deepEqual(readFileSync(path.join(photosDir(), originals[0]!)), photo, "stored bytes are the uploaded bytes");
});
