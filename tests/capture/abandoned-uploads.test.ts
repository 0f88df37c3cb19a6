// Partial originals nobody finishes do not stay on the server forever: the
// real product, restarted over the same data folder, sweeps every upload
// untouched for longer than a link can live (INVITE_TTL_HOURS + a day) and
// keeps the ones a phone may still continue. A swept upload answers like any
// unknown one (404, in both languages), so the phone, which still holds the
// photo, starts it again; a kept one continues and commits with its SHA-256.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { abandonedAfterMs } from "../../server/capture/abandoned-uploads";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";

const photo = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const metadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`)
    .join(",");
const INVITE_TTL_HOURS = 72;

let product: RunningProduct;
let token: string;
before(async () => {
  product = await startProductProcess({ pages: "none", keepData: true, env: { INVITE_TTL_HOURS: String(INVITE_TTL_HOURS) } });
  ({ policyholderToken: token } = await createSurveyViaApi(product, { plate: "沪A·0SWP1" }));
});
after(async () => {
  await product?.stop();
  if (product) rmSync(product.dataDir, { recursive: true, force: true });
});

const tus = (p: string, init: { method: string; headers?: Record<string, string>; body?: Buffer }) =>
  fetch(`${product.url}${p}`, {
    method: init.method,
    headers: { "Tus-Resumable": "1.0.0", "X-Invite-Token": token, ...init.headers },
    body: init.body ? new Uint8Array(init.body) : undefined,
  });

async function halfUpload(key: string): Promise<string> {
  const r = await tus("/api/captures/uploads", { method: "POST", headers: { "Upload-Length": String(photo.length), "Upload-Metadata": metadata({ key, item: "licence_plate", sha256: sha(photo) }) } });
  assert.equal(r.status, 201, await r.clone().text());
  const location = r.headers.get("location")!;
  const p = await tus(location, { method: "PATCH", headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0" }, body: photo.subarray(0, 20_000) });
  assert.equal(p.status, 204, await p.clone().text());
  return location;
}

/** Sets both files of an upload as last touched `hoursAgo` hours ago. */
function touchedAgo(dir: string, id: string, hoursAgo: number) {
  const t = new Date(Date.now() - hoursAgo * 3600_000);
  for (const f of [id, `${id}.json`]) utimesSync(path.join(dir, f), t, t);
}

test("uploads untouched for longer than a link can live are swept at start; younger ones continue and commit", { timeout: 900_000 }, async () => {
  const dir = path.join(product.dataDir, "capture-uploads");
  const abandoned = await halfUpload("swp-abandoned-0001");
  const recent = await halfUpload("swp-recent-00001");
  const idOf = (location: string) => location.split("/").pop()!;
  assert.ok(existsSync(path.join(dir, idOf(abandoned))) && existsSync(path.join(dir, `${idOf(abandoned)}.json`)), "tus keeps a partial upload as a data file and its declaration");

  const limitHours = abandonedAfterMs(INVITE_TTL_HOURS) / 3600_000;
  assert.equal(limitHours, INVITE_TTL_HOURS + 24);
  await product.stop();
  // One just past the limit, one just inside it; and the data file a crash left without its declaration.
  touchedAgo(dir, idOf(abandoned), limitHours + 1);
  touchedAgo(dir, idOf(recent), limitHours - 2);
  const orphan = path.join(dir, "0123456789abcdef0123456789abcdef");
  writeFileSync(orphan, photo.subarray(0, 5000));
  const old = new Date(Date.now() - (limitHours + 5) * 3600_000);
  utimesSync(orphan, old, old);

  product = await startProductProcess({ pages: "none", keepData: true, dataDir: product.dataDir, port: product.port, apiKey: product.apiKey, env: { INVITE_TTL_HOURS: String(INVITE_TTL_HOURS) } });
  // The sweep runs as the server starts, beside the first requests: poll for its result.
  const deadline = Date.now() + 120_000;
  while (existsSync(path.join(dir, idOf(abandoned))) || existsSync(orphan)) {
    if (Date.now() > deadline) throw new Error(`the sweep did not remove the abandoned upload: ${readdirSync(dir).join(", ")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(!existsSync(path.join(dir, `${idOf(abandoned)}.json`)), "the declaration went with the data");
  // The log line follows the removal and comes through the child's output pipe: poll for it too.
  while (!/removed abandoned photo uploads/.test(product.logs())) {
    if (Date.now() > deadline) assert.match(product.logs(), /removed abandoned photo uploads/);
    await new Promise((r) => setTimeout(r, 100));
  }

  // The swept upload is unknown, in the phone's words: it starts over with the photo it still holds.
  assert.equal((await tus(abandoned, { method: "HEAD" })).status, 404);
  const refused = await tus(abandoned, { method: "PATCH", headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": "20000" }, body: photo.subarray(20_000) });
  assert.equal(refused.status, 404);
  const body = (await refused.json()) as { error: { code: string; message: { "zh-CN": string; en: string } } };
  assert.equal(body.error.code, "upload_unknown");
  assert.ok(body.error.message["zh-CN"] && body.error.message.en);

  // The younger one continues where it was and commits with the photo's SHA-256.
  const head = await tus(recent, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("upload-offset"), "20000");
  const rest = await tus(recent, { method: "PATCH", headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": "20000" }, body: photo.subarray(20_000) });
  assert.equal(rest.status, 204, await rest.clone().text());
  const done = await tus(`${recent}/commit`, { method: "POST", headers: { "Idempotency-Key": "swp-recent-00001" } });
  assert.equal(done.status, 201, await done.clone().text());
  assert.equal(((await done.json()) as { capture: { sha256: string } }).capture.sha256, sha(photo));
  assert.ok(!existsSync(path.join(dir, idOf(recent))), "a committed upload leaves nothing behind");
  assert.ok(!product.logs().includes("capture route failed"), "no request fell through to the 500 answer");
});
