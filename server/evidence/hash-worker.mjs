// Worker thread for parallel SHA-256 of package files (verification of large
// recordings on a multi-core machine). Plain JavaScript so it runs under any
// loader or bundler; messages: { file, start?, end? } → { sha256, size } | { error }, one job at a time.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { parentPort } from "node:worker_threads";

parentPort.on("message", async ({ file, start, end }) => {
  try {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(file, { start, end, highWaterMark: 4 * 1024 * 1024 })) {
      hash.update(chunk);
      size += chunk.length;
    }
    parentPort.postMessage({ sha256: hash.digest("hex"), size });
  } catch (err) {
    parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
