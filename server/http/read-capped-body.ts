// Reading an upload's body with a size cap, without cutting the sender off.
import type { IncomingMessage } from "node:http";

/** A body this much over the limit is cut off instead of read to its end. */
const DISCARD_AT_MOST_BYTES = 64 * 1024 * 1024;

/**
 * The body, or null when it is larger than `max`. An oversized body is still
 * read (and thrown away) up to DISCARD_AT_MOST_BYTES before the 413 goes out:
 * a server that answers and closes while the phone is still sending makes the
 * phone's browser see a broken pipe instead of the "photo too large" message.
 */
export async function readCapped(req: IncomingMessage, max: number): Promise<Buffer | null> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = Number.isFinite(declared) && declared > max;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) tooLarge = true;
    if (tooLarge) {
      chunks.length = 0;
      if (size > DISCARD_AT_MOST_BYTES) break;
      continue;
    }
    chunks.push(chunk as Buffer);
  }
  return tooLarge ? null : Buffer.concat(chunks);
}
