// Objects whose upload failed at finalise (bucket unreachable, credentials
// expired, ...) are evidence all the same: their bytes are whole and hashed in
// the spool. Each gets a marker file here, survives a restart, and is retried
// in the background with growing waits until the bucket takes it. Markers are
// files, not memory, so a server restarted during an outage still uploads them.
// Each failure is visible like any background job's: a code pages translate
// and an error id that names the full error in the server log.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, rm, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export const PENDING_FOLDER = ".pending-uploads";

const markerSchema = z.object({
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  since: z.string(),
  attempts: z.number().int().nonnegative(),
  lastError: z.string(),
  /** The last failure as a code pages translate ("unreachable", "disk-full"); absent in older markers. */
  errorCode: z.string().default("unreachable"),
  /** Names the last failure in the server log. */
  errorId: z.string().default(""),
});
export type PendingUpload = z.infer<typeof markerSchema>;
export type PendingUploadFailure = { code: string; errorId: string };

/** An upload fails because the bucket is unreachable or refuses it, or because the spool's disk is full. */
export function describeUploadFailure(err: unknown): PendingUploadFailure {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return { code: code === "ENOSPC" ? "disk-full" : "unreachable", errorId: `UP-${randomBytes(5).toString("hex").toUpperCase()}` };
}

export interface PendingUploadsOptions {
  /** First wait after a failure; doubles per failed pass up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  onUploaded?: (p: PendingUpload) => void;
  /** `p` is the marker as written after this failure (its errorId names it in the log). */
  onFailed?: (p: PendingUpload, err: unknown) => void;
  describeFailure?: (err: unknown) => PendingUploadFailure;
}

export class PendingUploads {
  private readonly dir: string;
  private timer: NodeJS.Timeout | null = null;
  private delayMs: number;
  private running: Promise<number> | null = null;
  private closed = false;
  private nextAt: Date | null = null;

  constructor(
    spoolRoot: string,
    private readonly upload: (p: PendingUpload) => Promise<void>,
    private readonly opts: PendingUploadsOptions = {},
  ) {
    this.dir = path.join(spoolRoot, PENDING_FOLDER);
    this.delayMs = opts.firstDelayMs ?? 5_000;
  }

  /** Records a failed upload and makes sure a retry is scheduled; resolves to the marker (with its error id). */
  async add(p: Omit<PendingUpload, "since" | "attempts" | "errorCode" | "errorId">, err?: unknown): Promise<PendingUpload> {
    const failure = (this.opts.describeFailure ?? describeUploadFailure)(err);
    const marker: PendingUpload = { ...p, since: new Date().toISOString(), attempts: 1, errorCode: failure.code, errorId: failure.errorId };
    await this.write(marker);
    this.schedule();
    return marker;
  }

  /** When the next background pass is due (null: none scheduled). */
  nextAttemptAt(): Date | null {
    return this.nextAt;
  }

  async remove(key: string): Promise<void> {
    await rm(this.markerPath(key), { force: true });
  }

  async has(key: string): Promise<boolean> {
    return (await this.read(this.markerPath(key))) !== null;
  }

  async list(): Promise<PendingUpload[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: PendingUpload[] = [];
    for (const n of names.filter((x) => x.endsWith(".json")).sort()) {
      const m = await this.read(path.join(this.dir, n));
      if (m) out.push(m);
    }
    return out;
  }

  /** Starts retrying what an earlier process left behind. */
  start(): void {
    this.schedule(0);
  }

  /** One pass over every pending upload now; resolves to how many are still pending. */
  flush(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = null;
  }

  private schedule(delay = this.delayMs): void {
    if (this.closed || this.timer) return;
    this.nextAt = new Date(Date.now() + delay);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextAt = null;
      void this.flush().then((left) => {
        if (left === 0) {
          this.delayMs = this.opts.firstDelayMs ?? 5_000;
          return;
        }
        this.delayMs = Math.min(this.delayMs * 2, this.opts.maxDelayMs ?? 300_000);
        this.schedule();
      });
    }, delay);
    // A pending upload must not keep a stopping server alive; the marker carries it to the next start.
    this.timer.unref();
  }

  private async pass(): Promise<number> {
    let left = 0;
    for (const p of await this.list()) {
      if (this.closed) return left + 1;
      try {
        await this.upload(p);
        await this.remove(p.key);
        this.opts.onUploaded?.(p);
      } catch (err) {
        left++;
        const failure = (this.opts.describeFailure ?? describeUploadFailure)(err);
        const marker: PendingUpload = { ...p, attempts: p.attempts + 1, lastError: err instanceof Error ? err.message : String(err), errorCode: failure.code, errorId: failure.errorId };
        await this.write(marker).catch(() => undefined);
        this.opts.onFailed?.(marker, err);
      }
    }
    return left;
  }

  private async write(marker: PendingUpload): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.markerPath(marker.key);
    // Written aside and renamed: a crash mid-write never leaves a torn marker.
    await writeFile(`${file}.tmp`, JSON.stringify(marker));
    await rename(`${file}.tmp`, file);
  }

  private async read(file: string): Promise<PendingUpload | null> {
    try {
      return markerSchema.parse(JSON.parse(await readFile(file, "utf8")));
    } catch {
      return null;
    }
  }

  private markerPath(key: string): string {
    // Keys hold slashes; the marker's name only has to be unique and stable.
    return path.join(this.dir, `${createHash("sha256").update(key).digest("hex").slice(0, 32)}.json`);
  }
}
