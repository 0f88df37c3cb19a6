// PostgreSQL ends one of two transactions that wait on each other's row locks
// ("deadlock detected", 40P01) or that cannot be serialised (40001), and rolls
// it back whole. Under load the queue's transactions meet like this (a router
// offering an entry while an agent accepts or a timer fires): the victim is
// simply run again, as PostgreSQL's documentation advises. Nothing of it was
// kept, so running it again is safe. SQLite has one writer and never reports these.
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
/** Prisma's code for "a write conflict or a deadlock" in a transaction. */
const PRISMA_WRITE_CONFLICT = "P2034";
const MAX_ATTEMPTS = 8;

export function isDeadlockOrSerializationFailure(err: unknown): boolean {
  type Cause = { originalCode?: unknown; code?: unknown };
  const e = err as { code?: unknown; cause?: Cause; meta?: { code?: unknown; driverAdapterError?: { cause?: Cause } } } | null;
  if (!e || typeof e !== "object") return false;
  if (e.code === PRISMA_WRITE_CONFLICT) return true;
  // The SQLSTATE sits on the adapter's error (model queries) or in the request error's meta (raw queries).
  const adapterCause = e.meta?.driverAdapterError?.cause;
  for (const code of [e.cause?.originalCode, e.cause?.code, adapterCause?.originalCode, adapterCause?.code]) if (typeof code === "string" && RETRYABLE_SQLSTATES.has(code)) return true;
  return false;
}

/** Runs `attempt` (one whole transaction) again when the database chose it as a deadlock's victim. */
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
