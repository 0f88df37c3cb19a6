// Hashes several files at once on worker threads, for the verifier: an
// auditor's machine has cores to spare and recordings are most of the bytes.
// (The builder stays on one thread on purpose: it runs on the media server,
// next to live calls.) Falls back to the calling thread if workers cannot start.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import os from "node:os";
import { Worker } from "node:worker_threads";

export interface HashTarget {
  file: string;
  /** Byte range, inclusive, for entries stored inside a zip. */
  start?: number;
  end?: number;
}

export interface HashResult {
  sha256: string;
  size: number;
}

interface Job {
  target: HashTarget;
  resolve: (r: HashResult) => void;
  reject: (e: Error) => void;
}

export const DEFAULT_HASH_THREADS = Math.max(1, Math.min(os.availableParallelism(), 4));

export class ParallelHasher {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private workersFailed = false;

  constructor(private readonly threads: number = DEFAULT_HASH_THREADS) {}

  private inThreadTail: Promise<unknown> = Promise.resolve();

  hash(target: HashTarget): Promise<HashResult> {
    if (this.threads <= 1 || this.workersFailed) return this.inThread(target);
    return new Promise((resolve, reject) => {
      this.queue.push({ target, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      if (this.workersFailed) {
        const job = this.queue.shift()!;
        this.inThread(job.target).then(job.resolve, job.reject);
        continue;
      }
      const worker = this.idle.pop() ?? (this.all.length < this.threads ? this.spawn() : undefined);
      if (!worker) {
        if (this.workersFailed) continue;
        return;
      }
      const job = this.queue.shift()!;
      this.running.set(worker, job);
      worker.postMessage(job.target);
    }
  }

  private spawn(): Worker | undefined {
    let worker: Worker;
    try {
      // Plain JavaScript: no need to inherit a TypeScript loader (tsx) and its start-up cost.
      worker = new Worker(new URL("./hash-worker.mjs", import.meta.url), { execArgv: [] });
    } catch {
      this.workersFailed = true;
      return undefined;
    }
    worker.on("message", (msg: { sha256?: string; size?: number; error?: string }) => {
      const job = this.running.get(worker);
      this.running.delete(worker);
      if (msg.error !== undefined) job?.reject(new Error(msg.error));
      else job?.resolve({ sha256: msg.sha256!, size: msg.size! });
      this.idle.push(worker);
      this.pump();
    });
    worker.on("error", (err) => {
      // A dead worker fails its own job; the rest continue on the others (or in-thread).
      this.running.get(worker)?.reject(err);
      this.running.delete(worker);
      this.all.splice(this.all.indexOf(worker), 1);
      if (this.all.length === 0) this.workersFailed = true;
      this.pump();
    });
    this.all.push(worker);
    return worker;
  }

  // One file at a time on this thread: many interleaved 4 MiB streams only
  // add buffer churn and garbage collection, not speed.
  private inThread(target: HashTarget): Promise<HashResult> {
    const next = this.inThreadTail.then(() => hashInThread(target));
    this.inThreadTail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

async function hashInThread(target: HashTarget): Promise<HashResult> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(target.file, { start: target.start, end: target.end, highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}
