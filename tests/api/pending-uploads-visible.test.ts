// Uploads owed to storage are visible like any failed background job, through
// the real product (STORAGE=s3 against s3rver) on both databases: a photo taken
// while the bucket is down stays whole in the spool, the agent's tRPC
// evidence.pendingUploads shows each file with a failure code and an error id
// (never the bucket URL or a server path), the id is in the server log and the
// last failure on /api/health; once the bucket is back the agent's retry
// uploads them.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import superjson from "superjson";
import { databaseKinds, freshDatabase, type TestDatabase } from "../support/databases";
import { createSurveyViaApi, startProductProcess, type RunningProduct } from "../support/product-process";
import { startS3Server, type TestS3Server } from "../support/s3-server";

const photo = readFileSync(path.resolve(import.meta.dirname, "../fixtures/photos/city-sharp.jpg"));

type Owed = { files: { file: string; attempts: number; errorCode: string; errorId: string }[]; nextAttemptAt: string | null };

for (const kind of databaseKinds) {
  describe(`uploads owed to storage on ${kind}`, () => {
    let s3: TestS3Server;
    let t: TestDatabase | undefined;
    let product: RunningProduct;
    let cookie = "";
    before(async () => {
      s3 = await startS3Server();
      if (kind === "postgresql") t = await freshDatabase("postgresql");
      product = await startProductProcess({ pages: "none", env: { ...s3.productEnv(), ...(t ? { DATABASE_URL: t.url } : {}) } });
      const login = await fetch(`${product.url}/api/trpc/auth.login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ json: { email: "agent1@example.com", password: "agent-demo-2026" } }),
      });
      assert.equal(login.status, 200, await login.clone().text());
      cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    });
    after(async () => {
      await product?.stop();
      await s3?.close();
      await t?.drop();
    });

    const query = async <T>(proc: string, input: unknown): Promise<T> => {
      const r = await fetch(`${product.url}/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`, { headers: { Cookie: cookie } });
      assert.equal(r.status, 200, await r.clone().text());
      return superjson.deserialize((await r.json()).result.data) as T;
    };
    const mutate = async <T>(proc: string, input: unknown): Promise<T> => {
      const r = await fetch(`${product.url}/api/trpc/${proc}`, { method: "POST", headers: { Cookie: cookie, "Content-Type": "application/json" }, body: JSON.stringify(superjson.serialize(input)) });
      assert.equal(r.status, 200, await r.clone().text());
      return superjson.deserialize((await r.json()).result.data) as T;
    };

    test("a photo taken while the bucket is down: code + error id for the agent and on health; the retry uploads it once the bucket is back", async () => {
      const { surveyId, policyholderToken } = await createSurveyViaApi(product, { plate: "沪A·00UP" });
      await s3.stop();
      try {
        const r = await fetch(`${product.url}/api/captures`, {
          method: "POST",
          headers: { "Content-Type": "image/jpeg", "X-Invite-Token": policyholderToken, "Idempotency-Key": "owed-photo-0001", "X-Capture-Item": "licence_plate" },
          body: new Uint8Array(photo),
        });
        assert.equal(r.status, 201, await r.clone().text());

        const owed = await query<Owed>("evidence.pendingUploads", { surveyId });
        assert.ok(owed.files.some((f) => f.file === "owed-photo-0001.jpg"), JSON.stringify(owed));
        for (const f of owed.files) {
          assert.equal(f.errorCode, "unreachable");
          assert.match(f.errorId, /^UP-[0-9A-F]{10}$/);
        }
        assert.ok(owed.nextAttemptAt, "the background retry is scheduled");
        const text = JSON.stringify(owed);
        assert.ok(!text.includes(s3.endpoint) && !text.includes(product.dataDir) && !text.includes("ECONNREFUSED"), text);
        assert.ok(owed.files.every((f) => product.logs().includes(f.errorId)), "each error id is in the server log");

        const health = (await (await fetch(`${product.url}/api/health`)).json()) as { storage: { pendingUploads: number; lastUploadFailure: { errorCode: string; errorId: string } | null } };
        assert.equal(health.storage.pendingUploads, owed.files.length);
        assert.equal(health.storage.lastUploadFailure?.errorCode, "unreachable");
        assert.ok(!JSON.stringify(health).includes(surveyId), "health names no survey");
      } finally {
        await s3.start();
      }
      const after = await mutate<Owed>("evidence.retryUploads", { surveyId });
      assert.deepEqual(after.files, []);
      assert.ok((await s3.object(`${surveyId}/photos/owed-photo-0001.jpg`))?.bytes.equals(photo), "the bucket holds the photo");
      assert.deepEqual((await query<Owed>("evidence.pendingUploads", { surveyId })).files, []);
    });
  });
}
