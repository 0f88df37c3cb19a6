// PostgreSQL ends one of two transactions that wait on each other's row locks
// ("deadlock detected", 40P01) or that cannot be serialised (40001), and rolls
// it back whole. Under load the queue's transactions meet like this (a router
// offering an entry while an agent accepts or a timer fires): the victim is
// simply run again, as PostgreSQL's documentation advises. Nothing of it was
// kept, so running it again is safe.
// SQLite has one writer, but two processes may share the file (the product and a
// command-line tool, or a test's own process): Prisma's SQLite adapter opens every
// transaction with a plain BEGIN, so a transaction that has read and then writes
// must upgrade its lock, and if another connection wrote in between SQLite refuses
// at once with SQLITE_BUSY or SQLITE_BUSY_SNAPSHOT (its busy timeout cannot help:
// waiting would not make the stale read current). Prisma reports the first as P1008
// "Operation has timed out" (seen in the suite: the queue's offer, test and product
// processes on one file), the second under its own code.
// That transaction is rolled back whole too, and is run again the same way.
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
/** Prisma's code for "a write conflict or a deadlock" in a transaction. */
const PRISMA_WRITE_CONFLICT = "P2034";
/** better-sqlite3's codes for a lock SQLite refused (SQLITE_BUSY and its extended codes). */
const SQLITE_BUSY = /^SQLITE_BUSY/;
const MAX_ATTEMPTS = 8;

export function isDeadlockOrSerializationFailure(err: unknown): boolean {
  type Cause = { originalCode?: unknown; code?: unknown };
  const e = err as { code?: unknown; cause?: Cause; meta?: { code?: unknown; driverAdapterError?: { cause?: Cause } } } | null;
  if (!e || typeof e !== "object") return false;
  if (e.code === PRISMA_WRITE_CONFLICT) return true;
  // The SQLSTATE sits on the adapter's error (model queries) or in the request error's meta (raw queries).
  const adapterCause = e.meta?.driverAdapterError?.cause;
  // SQLite's codes may also be the request error's own code (SQLITE_BUSY_SNAPSHOT, seen on model queries).
  for (const code of [e.code, e.cause?.originalCode, e.cause?.code, adapterCause?.originalCode, adapterCause?.code]) {
    if (typeof code === "string" && (RETRYABLE_SQLSTATES.has(code) || SQLITE_BUSY.test(code))) return true;
  }
  return false;
}

/** Runs `attempt` (one whole transaction) again when the database rolled it back for a deadlock, a serialisation failure or a refused SQLite lock. */
export async function retryOnDeadlock<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= MAX_ATTEMPTS || !isDeadlockOrSerializationFailure(err)) throw err;
      // A short random pause so the two do not meet again in the same order.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * n));
    }
  }
}
