// Two queue transactions that lock the same rows in opposite order deadlock on
// PostgreSQL; the database aborts one. retryOnDeadlock runs the victim again,
// so both complete and the work of each is there exactly once. On SQLite, a
// transaction that read before another connection wrote is refused its write
// (SQLITE_BUSY at once, whatever the busy timeout): it is run again the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createDb } from "../../server/db/client";
import { databaseTarget } from "../../server/db/database-target";
import { freshDatabase } from "../support/databases";
import { retryOnDeadlock, isDeadlockOrSerializationFailure } from "../../server/queue/retry-on-deadlock";

/** Resolves when `n` parties have arrived. */
function barrier(n: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return () => {
    if (++arrived === n) open();
    return opened;
  };
}

test("PostgreSQL: two transactions locking rows in opposite order both complete, each once", async (t) => {
  const { db, drop } = await freshDatabase("postgresql");
  t.after(drop);
  await db.$executeRawUnsafe(`CREATE TABLE probe (id int PRIMARY KEY, v int NOT NULL)`);
  await db.$executeRawUnsafe(`INSERT INTO probe VALUES (1, 0), (2, 0)`);

  let attempts = 0;
  const victims: unknown[] = [];
  const bothHoldOne = barrier(2);
  const run = (first: number, second: number) =>
    retryOnDeadlock(async () => {
      attempts++;
      try {
        return await db.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`UPDATE probe SET v = v + 1 WHERE id = $1`, first);
          // Only the first attempts meet here: each holds one row and reaches for the other.
          if (attempts <= 2) await bothHoldOne();
          await tx.$executeRawUnsafe(`UPDATE probe SET v = v + 1 WHERE id = $1`, second);
        });
      } catch (err) {
        victims.push(err);
        throw err;
      }
    });
  await Promise.all([run(1, 2), run(2, 1)]);

  assert.equal(victims.length, 1, "the database aborted exactly one of the two");
  assert.ok(isDeadlockOrSerializationFailure(victims[0]), `the abort is recognised as a deadlock: ${String(victims[0])}`);
  assert.equal(attempts, 3, "the victim ran once more");
  const rows = (await db.$queryRawUnsafe(`SELECT id, v FROM probe ORDER BY id`)) as { id: number; v: number }[];
  assert.deepEqual(rows.map((r) => Number(r.v)), [2, 2], "each transaction's two updates are there once");
});

test("SQLite: a transaction whose read went stale while another connection wrote is run again, and both writes are kept", async (t) => {
  const { db, url, drop } = await freshDatabase("sqlite");
  // A second connection to the same file, as a second process (the product and a tool) would have.
  const other = createDb(databaseTarget(url));
  t.after(async () => (await other.$disconnect(), await drop()));
  const user = await db.user.create({ data: { email: "agent@example.com", name: "A", passwordHash: "x", role: "agent" } });

  let attempts = 0;
  const victims: unknown[] = [];
  const started = Date.now();
  await retryOnDeadlock(async () => {
    attempts++;
    try {
      return await db.$transaction(async (tx) => {
        await tx.user.findUnique({ where: { id: user.id } });
        // The first attempt's read is now stale: the other connection writes and commits.
        if (attempts === 1) await other.user.update({ where: { id: user.id }, data: { name: "B" } });
        await tx.user.updateMany({ where: { id: user.id }, data: { locale: "en" } });
      });
    } catch (err) {
      victims.push(err);
      throw err;
    }
  });

  assert.equal(victims.length, 1, "SQLite refused the stale transaction's write once");
  assert.ok(isDeadlockOrSerializationFailure(victims[0]), `the refusal is recognised: ${(victims[0] as { code?: string }).code}`);
  assert.equal(attempts, 2, "the refused transaction ran once more");
  assert.ok(Date.now() - started < 25_000, "refused at once, not after the 30 s busy timeout");
  const after = await db.user.findUniqueOrThrow({ where: { id: user.id } });
  assert.deepEqual([after.name, after.locale], ["B", "en"], "the other connection's write and the transaction's are both there");
});

test("an error that is not a deadlock is not retried", async () => {
  let attempts = 0;
  await assert.rejects(
    retryOnDeadlock(async () => {
      attempts++;
      throw Object.assign(new Error("unique"), { code: "P2002" });
    }),
    /unique/,
  );
  assert.equal(attempts, 1);
});
