// Coalesces the muxer's many small writes (one per frame) into few large ones,
// but never holds data longer than `maxDelayMs`: that bound is exactly how much
// media a SIGKILL can lose, because everything already handed to the kernel
// survives the death of this process.
import type { StorageWriter } from "./storage/recording-storage";

export class BufferedAppender {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private error: unknown;
  private closed = false;
  bytesWritten = 0;

  constructor(
    private readonly writer: StorageWriter,
    private readonly onError: (err: unknown) => void,
    private readonly maxBytes = 256 * 1024,
    maxDelayMs = 500,
  ) {
    this.timer = setInterval(() => void this.flush(), maxDelayMs);
    this.timer.unref();
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  append(data: Uint8Array): void {
    if (this.closed || this.error !== undefined) return;
    this.pending.push(data);
    this.pendingBytes += data.byteLength;
    if (this.pendingBytes >= this.maxBytes) void this.flush();
  }

  /** Resolves when everything appended so far reached the kernel (or failed). */
  flush(): Promise<void> {
    if (this.pendingBytes === 0 || this.error !== undefined) return this.chain;
    const chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(async () => {
      if (this.error !== undefined) return;
      try {
        await this.writer.write(chunk);
        this.bytesWritten += chunk.byteLength;
      } catch (err) {
        this.error = err;
        this.onError(err);
      }
    });
    return this.chain;
  }

  /** Flushes, fsyncs (unless failed) and closes the file; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    if (this.error === undefined) {
      try {
        await this.writer.sync();
      } catch (err) {
        this.error = err;
        this.onError(err);
      }
    }
    await this.writer.close().catch(() => {});
  }
}
