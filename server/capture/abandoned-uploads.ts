// Partial originals nobody will finish: a phone that was thrown away, a link
// that expired mid-upload, a tab closed for good. tus keeps every partial
// upload on the server's disk (a data file and its `<id>.json` declaration)
// until the phone commits it, so without this sweep they would stay forever.
//
// An upload is abandoned when nothing has touched it (no chunk, no creation)
// for longer than an invite link can live: every chunk needs a valid link, and
// a link dies at most INVITE_TTL_HOURS after it was made, so an upload idle for
// longer can never be continued by anyone. A day on top keeps the sweep well
// clear of any clock skew. A phone that still holds the photo (IndexedDB) and
// comes back with a new link starts the upload afresh: nothing is lost.
import { readdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";

/** How long an upload may sit untouched before it is swept: the longest a link lives, plus a day. */
export function abandonedAfterMs(inviteTtlHours: number): number {
  return (inviteTtlHours + 24) * 3600_000;
}

const CONFIG_SUFFIX = ".json";

async function mtimeMs(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

/**
 * Deletes every upload in `dir` untouched for longer than `maxIdleMs` (its data
 * file and declaration, or whichever of the two a crash left alone). Returns
 * the ids removed.
 */
export async function removeAbandonedUploads(dir: string, maxIdleMs: number, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // no upload was ever made
  }
  const ids = new Set(names.map((n) => (n.endsWith(CONFIG_SUFFIX) ? n.slice(0, -CONFIG_SUFFIX.length) : n)));
  const removed: string[] = [];
  for (const id of ids) {
    const data = path.join(dir, id);
    const config = data + CONFIG_SUFFIX;
    // The latest touch of either file: a chunk writes the data, creation writes both.
    const touched = Math.max((await mtimeMs(data)) ?? -Infinity, (await mtimeMs(config)) ?? -Infinity);
    if (!Number.isFinite(touched) || now - touched <= maxIdleMs) continue;
    // Declaration first: tus then no longer knows the upload, even if the data unlink fails.
    await unlink(config).catch(() => undefined);
    await unlink(data).catch(() => undefined);
    removed.push(id);
  }
  return removed;
}

/** Sweeps at once (a server that was down for days) and then every `everyMs`; returns the stop. */
export function scheduleAbandonedUploadSweep(dir: string, maxIdleMs: number, log: Logger, everyMs = 3600_000): () => void {
  let running: Promise<void> | null = null;
  const sweep = () => {
    running ??= removeAbandonedUploads(dir, maxIdleMs)
      .then((ids) => {
        if (ids.length) log.info({ uploads: ids.length, maxIdleHours: maxIdleMs / 3600_000 }, "removed abandoned photo uploads");
      })
      .catch((err: unknown) => log.warn({ err }, "could not sweep abandoned photo uploads"))
      .finally(() => (running = null));
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
