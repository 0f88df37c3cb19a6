// The resumable upload of a photo's original (tus) and the compact copy's
// provisional verdict, over HTTP against the real product on both databases:
// a complete upload is committed by its SHA-256 once, however often the commit
// is repeated; every bad input (wrong offset, oversized chunk, a chunk past the
// declared size, an unknown upload, another survey's upload, a hash that does
// not match, an incomplete commit, a missing declaration) gets a clear 4xx in
// both languages, never a 500.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";

const photo = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const metadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`)
    .join(",");

for (const kind of databaseKinds) {
  describe(`resumable original uploads on ${kind}`, () => {
    let t: TestDatabase | undefined;
    let product: RunningProduct;
    let token: string;
    let otherToken: string;
    before(async () => {
      if (kind === "postgresql") t = await freshDatabase("postgresql");
      product = await startProductProcess({ pages: "none", env: t ? { DATABASE_URL: t.url } : {} });
      ({ policyholderToken: token } = await createSurveyViaApi(product, { plate: "沪A·0TUS1" }));
      ({ policyholderToken: otherToken } = await createSurveyViaApi(product, { plate: "沪A·0TUS2" }));
    });
    after(async () => {
      await product?.stop();
      await t?.drop();
    });

    const tus = (p: string, init: { method: string; headers?: Record<string, string>; body?: Buffer }, as = token) =>
      fetch(`${product.url}${p}`, {
        method: init.method,
        headers: { "Tus-Resumable": "1.0.0", "X-Invite-Token": as, ...init.headers },
        body: init.body ? new Uint8Array(init.body) : undefined,
      });
    async function create(bytes: Buffer, key: string, declaredSha = sha(bytes), as = token, length = bytes.length) {
      const r = await tus("/api/captures/uploads", { method: "POST", headers: { "Upload-Length": String(length), "Upload-Metadata": metadata({ key, item: "licence_plate", sha256: declaredSha }) } }, as);
      assert.equal(r.status, 201, await r.clone().text());
      const location = r.headers.get("location")!;
      assert.match(location, /^\/api\/captures\/uploads\/[A-Za-z0-9_-]+$/);
      return location;
    }
    const patch = (location: string, offset: number, chunk: Buffer, as = token, headers: Record<string, string> = {}) =>
      tus(location, { method: "PATCH", headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset), ...headers }, body: chunk }, as);
    const commit = (location: string, key: string, as = token) => tus(`${location}/commit`, { method: "POST", headers: { "Idempotency-Key": key } }, as);
    async function refusal(r: Response, status: number, code: string, what: string) {
      assert.equal(r.status, status, `${what}: ${await r.clone().text()}`);
      const body = (await r.json()) as { error: { code: string; message: { "zh-CN": string; en: string } } };
      assert.equal(body.error.code, code, what);
      assert.ok(body.error.message["zh-CN"] && body.error.message.en, `${what}: words in both languages`);
      assert.ok(!/\/tmp|\/work|Error:|\bat [\w.<>]+ \(/.test(JSON.stringify(body)), `${what}: no path or stack`);
    }

    test("compact copy first, then the original in chunks with a resume; one capture with both verdicts and both hashes", async () => {
      const key = `tus-ok-${kind}-0001`;
      const compact = await sharp(photo).resize(1024).jpeg({ quality: 70 }).toBuffer();
      assert.ok(compact.length <= 200 * 1024);
      const p = await fetch(`${product.url}/api/captures/provisional`, { method: "POST", headers: { "Content-Type": "image/jpeg", "X-Invite-Token": token, "Idempotency-Key": key, "X-Capture-Item": "licence_plate" }, body: new Uint8Array(compact) });
      assert.equal(p.status, 201, await p.clone().text());
      const prov = ((await p.json()) as { provisional: { verdict: string; sha256: string; key: string } }).provisional;
      assert.equal(prov.sha256, sha(compact));
      assert.equal(prov.key, key);
      assert.match(prov.verdict, /^(accepted|rejected)$/);

      const location = await create(photo, key);
      const half = Math.floor(photo.length / 2);
      const first = await patch(location, 0, photo.subarray(0, half));
      assert.equal(first.status, 204, await first.clone().text());
      // As after a drop: ask how far it got, then continue from there.
      const head = await tus(location, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("upload-offset"), String(half));
      assert.equal(head.headers.get("upload-length"), String(photo.length));
      const early = await commit(location, key);
      await refusal(early, 409, "upload_incomplete", "commit before the last chunk");
      const second = await patch(location, half, photo.subarray(half));
      assert.equal(second.status, 204, await second.clone().text());

      const done = await commit(location, key);
      assert.equal(done.status, 201, await done.clone().text());
      const capture = ((await done.json()) as { capture: { id: string; sha256: string; provisional: { sha256: string; verdict: string } | null; disagrees: boolean; verdict: string } }).capture;
      assert.equal(capture.sha256, sha(photo), "the server acknowledges the original's SHA-256");
      assert.equal(capture.provisional?.sha256, sha(compact));
      assert.equal(capture.provisional?.verdict, prov.verdict);
      assert.equal(capture.disagrees, capture.verdict !== prov.verdict);
      // The commit's answer lost and the commit repeated: the same capture, not a second one.
      const again = await commit(location, key);
      assert.equal(again.status, 200, await again.clone().text());
      assert.equal(((await again.json()) as { capture: { id: string } }).capture.id, capture.id);
    });

    test("bad chunk-protocol input gets a clear, translated 4xx, never a 500", async () => {
      const key = `tus-bad-${kind}-0001`;
      const location = await create(photo, key);
      const ok = await patch(location, 0, photo.subarray(0, 1000));
      assert.equal(ok.status, 204);
      await refusal(await patch(location, 0, photo.subarray(0, 1000)), 409, "offset_mismatch", "a chunk at a stale offset");
      await refusal(await patch(location, 5000, photo.subarray(5000, 6000)), 409, "offset_mismatch", "a chunk past the held bytes");
      await refusal(await patch(location, 1000, Buffer.alloc(9 * 1024 * 1024, 1)), 413, "chunk_too_large", "a 9 MB chunk");
      await refusal(await patch(location, 1000, Buffer.alloc(photo.length, 1)), 413, "chunk_beyond_length", "a chunk past the declared length");
      // A HEAD answer has no body: the status says it.
      assert.equal((await tus("/api/captures/uploads/0123456789abcdef0123456789abcdef", { method: "HEAD" })).status, 404, "HEAD of an unknown upload");
      await refusal(await patch("/api/captures/uploads/0123456789abcdef0123456789abcdef", 0, photo.subarray(0, 10)), 404, "upload_unknown", "PATCH of an unknown upload");
      await refusal(await commit("/api/captures/uploads/0123456789abcdef0123456789abcdef", "tus-never-sent-01"), 404, "upload_unknown", "commit of an unknown upload");
      // Another survey's link sees nothing of this upload.
      await refusal(await patch(location, 1000, photo.subarray(1000, 2000), otherToken), 404, "upload_unknown", "another survey's upload (PATCH)");
      await refusal(await commit(location, key, otherToken), 404, "upload_unknown", "another survey's upload (commit)");
      const stillThere = await tus(location, { method: "HEAD" });
      assert.equal(stillThere.headers.get("upload-offset"), "1000", "refused chunks changed nothing");
      // A declaration that is missing or too large.
      const noSha = await tus("/api/captures/uploads", { method: "POST", headers: { "Upload-Length": "1000", "Upload-Metadata": metadata({ key: "tus-nosha-0001", item: "licence_plate" }) } });
      await refusal(noSha, 400, "upload_metadata_invalid", "no SHA-256 declared");
      const huge = await tus("/api/captures/uploads", { method: "POST", headers: { "Upload-Length": String(26 * 1024 * 1024), "Upload-Metadata": metadata({ key: "tus-huge-0001", item: "licence_plate", sha256: "0".repeat(64) }) } });
      await refusal(huge, 413, "upload_too_large", "26 MB declared");
      // Bytes that are not the declared photo: refused, dropped, and the phone starts over.
      const wrongKey = `tus-hash-${kind}-01`;
      const wrong = await create(photo, wrongKey, sha(Buffer.from("another photo")));
      assert.equal((await patch(wrong, 0, photo)).status, 204);
      await refusal(await commit(wrong, wrongKey), 422, "hash_mismatch", "hash mismatch");
      assert.equal((await tus(wrong, { method: "HEAD" })).status, 404, "the mismatched upload is gone");
      // A compact copy that is not compact.
      const bigCopy = await fetch(`${product.url}/api/captures/provisional`, { method: "POST", headers: { "Content-Type": "image/jpeg", "X-Invite-Token": token, "Idempotency-Key": "tus-bigcopy-0001", "X-Capture-Item": "licence_plate" }, body: new Uint8Array(photo.length > 300_000 ? photo : Buffer.concat([photo, Buffer.alloc(300_000)])) });
      await refusal(bigCopy, 413, "compact_too_large", "a 'compact' copy over 256 KB");
      // Without a link: the same 401 as every upload.
      const anonymous = await fetch(`${product.url}${location}`, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } });
      assert.equal(anonymous.status, 401);
      assert.ok(!product.logs().includes("capture route failed"), "no request fell through to the 500 answer");
    });
  });
}
