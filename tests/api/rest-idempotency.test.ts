// Idempotency-Key on POST /api/v1/surveys, on both databases: the same key and body
// answer the first result again with no second survey and no second SMS, another body
// with the same key is 422, and the keys live in the database (a restart remembers).
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { databaseTarget } from "../../server/db/database-target";
import { createDb } from "../../server/db/client";
import { databaseKinds, freshDatabase } from "../support/databases";
import { startProductProcess } from "../support/product-process";
import { complete, KEY_LIFETIME_MS, purgeExpiredKeys, reserve } from "../../server/api/rest/idempotency";

const body = {
  claim: {
    policyNumber: "PDAA202611220099",
    plate: "沪A·99999",
    policyholderName: "张伟",
    policyholderMobile: "13800138000",
    incidentAt: "2026-11-21T08:30:00+08:00",
    incidentPlace: "上海市浦东新区",
    claimType: "motor_collision",
  },
  locale: "zh-CN",
  adjuster: { name: "王强", mobile: "13900139000" },
};

for (const kind of databaseKinds) {
  test(`${kind}: the same Idempotency-Key and body create one survey and send one set of SMS`, async () => {
    const database = kind === "postgresql" ? await freshDatabase(kind) : null;
    await database?.db.$disconnect();
    const env: Record<string, string> = database ? { DATABASE_URL: database.url } : {};
    let product = await startProductProcess({ pages: "none", env, keepData: true });
    const post = (b: unknown, key?: string, lang = "en") =>
      fetch(`${product.url}/api/v1/surveys`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${product.apiKey}`, "Accept-Language": lang, ...(key ? { "Idempotency-Key": key } : {}) },
        body: typeof b === "string" ? b : JSON.stringify(b),
      });
    try {
      const key = `crm-req-${kind}-0001`;
      const first = await post(body, key);
      assert.equal(first.status, 201);
      const firstBody = await first.text();
      // The same body written with its keys in another order is the same request.
      const reordered = JSON.stringify({ adjuster: body.adjuster, locale: body.locale, claim: Object.fromEntries(Object.entries(body.claim).reverse()) });
      const again = await post(reordered, key);
      assert.equal(again.status, 201);
      assert.equal(await again.text(), firstBody, "the first answer, byte for byte");
      assert.equal(again.headers.get("idempotent-replayed"), "true");
      assert.equal(again.headers.get("location"), first.headers.get("location"));

      const other = await post({ ...body, claim: { ...body.claim, plate: "沪A·88888" } }, key, "zh-CN");
      assert.equal(other.status, 422);
      const otherBody = await other.json();
      assert.equal(otherBody.error.code, "IDEMPOTENCY_KEY_REUSED");
      assert.match(otherBody.error.message, /Idempotency-Key 已用于/);

      assert.equal((await post(body, "short")).status, 400, "a malformed key is refused");
      // Two at once with a new key: one survey.
      const key2 = `crm-req-${kind}-0002`;
      const racing = await Promise.all([post(body, key2), post(body, key2)]);
      const statuses = racing.map((r) => r.status).sort();
      assert.ok(statuses[0] === 201 && (statuses[1] === 201 || statuses[1] === 409), statuses.join(","));
      // Without a key every POST is a new survey, as before.
      assert.equal((await post(body)).status, 201);

      // The keys are in the database: after a restart the answer is still the first one.
      const { dataDir, port, apiKey, rtcBase } = product;
      await product.stop();
      product = await startProductProcess({ pages: "none", env, keepData: true, dataDir, port, apiKey, rtcBase });
      const afterRestart = await post(body, key);
      assert.equal(afterRestart.status, 201);
      assert.equal(await afterRestart.text(), firstBody);

      const db = createDb(databaseTarget(database ? database.url : `file:${dataDir}/claims-survey.db`));
      try {
        const surveys = await db.claim.count({ where: { policyNumber: body.claim.policyNumber } });
        assert.equal(surveys, 3, "key 1, key 2 (once) and the keyless POST");
        const firstSurvey = JSON.parse(firstBody).surveyId as string;
        assert.equal(await db.outboxMessage.count({ where: { surveyId: firstSurvey } }), 2, "one SMS to the policyholder, one to the adjuster");
        assert.equal(await db.apiIdempotencyKey.count(), 2);
      } finally {
        await db.$disconnect();
      }
    } finally {
      await product.stop();
      rmSync(product.dataDir, { recursive: true, force: true });
      await database?.drop().catch(() => undefined);
    }
  });
}

for (const kind of databaseKinds) {
  test(`${kind}: a key is kept for a day; an expired key is a new key and the table does not grow for ever`, async () => {
    const database = await freshDatabase(kind);
    const { db } = database;
    try {
      const day = KEY_LIFETIME_MS;
      const now = Date.now();
      const first = await reserve(db, "api-key-1", "expiry-key-0001", "hash-a", now);
      assert.equal(first.kind, "new");
      await complete(db, (first as { id: string }).id, { status: 201, body: "{}", location: null });
      assert.equal((await reserve(db, "api-key-1", "expiry-key-0001", "hash-b", now + day - 60_000)).kind, "mismatch", "within a day the key is taken");
      // Another client's old key, to be purged.
      await db.apiIdempotencyKey.create({ data: { clientHash: "other-client", key: "old-key-00001", requestHash: "h", status: 201, response: "{}", createdAt: new Date(now - day - 60_000) } });
      await db.apiIdempotencyKey.create({ data: { clientHash: "other-client", key: "fresh-key-0001", requestHash: "h", status: 201, response: "{}", createdAt: new Date(now) } });
      assert.equal((await reserve(db, "api-key-1", "expiry-key-0001", "hash-b", now + day + 60_000)).kind, "new", "after a day the key is new again");
      assert.equal(await purgeExpiredKeys(db, now + 60_000), 1, "only the expired key goes");
      assert.deepEqual((await db.apiIdempotencyKey.findMany({ where: { clientHash: "other-client" } })).map((r) => r.key), ["fresh-key-0001"]);
    } finally {
      await database.drop();
    }
  });
}
