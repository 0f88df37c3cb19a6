import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { ParallelHasher } from "../../server/evidence/parallel-hasher";

describe("parallel hasher", () => {
  it("gives the same SHA-256 as hashing in memory, for whole files and byte ranges, on 1 or 3 threads", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "evidence-hasher-"));
    try {
      const blobs = [0, 1, 4 * 1024 * 1024 + 7, 9 * 1024 * 1024, 123].map((n) => randomBytes(n));
      const files = await Promise.all(blobs.map(async (b, i) => {
        const f = path.join(dir, `f${i}`);
        await fs.writeFile(f, b);
        return f;
      }));
      const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
      for (const threads of [1, 3]) {
        const hasher = new ParallelHasher(threads);
        try {
          const whole = await Promise.all(files.map((file) => hasher.hash({ file })));
          assert.deepEqual(whole, blobs.map((b) => ({ sha256: sha(b), size: b.length })));
          const range = await hasher.hash({ file: files[3]!, start: 1000, end: 5_000_000 });
          assert.deepEqual(range, { sha256: sha(blobs[3]!.subarray(1000, 5_000_001)), size: 5_000_001 - 1000 });
          await assert.rejects(hasher.hash({ file: path.join(dir, "missing") }), /ENOENT/);
          // The pool keeps working after a failed job.
          assert.equal((await hasher.hash({ file: files[4]! })).sha256, sha(blobs[4]!));
        } finally {
          await hasher.close();
        }
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
