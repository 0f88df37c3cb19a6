// Default backend: objects are plain files under one root directory, so a
// recording in progress is already at its final path and survives a crash.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { storageKeySchema, type ByteRange, type RecordingStorage, type StorageWriter, type StoredObject } from "./recording-storage";

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

export class LocalDiskStorage implements RecordingStorage {
  readonly kind = "local" as const;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  localPath(key: string): string {
    return path.join(this.root, storageKeySchema.parse(key));
  }

  async put(key: string): Promise<StorageWriter> {
    const file = this.localPath(key);
    await mkdir(path.dirname(file), { recursive: true });
    const fh = await open(file, "w");
    let closed = false;
    return {
      key,
      async write(data) {
        // fh.write may write fewer bytes than asked (e.g. just before ENOSPC).
        let off = 0;
        while (off < data.byteLength) {
          const { bytesWritten } = await fh.write(data, off, data.byteLength - off);
          off += bytesWritten;
        }
      },
      async sync() {
        await fh.datasync();
      },
      async close() {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    };
  }

  async finalise(key: string): Promise<StoredObject> {
    const file = this.localPath(key);
    const fh = await open(file, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    const [st, sha256] = await Promise.all([stat(file), sha256File(file)]);
    return { key, size: st.size, sha256, location: `file://${file}`, modifiedAt: st.mtime };
  }

  /** The object's own file: every object of this backend is local. */
  async ensureLocal(key: string): Promise<string> {
    return this.localPath(key);
  }

  async releaseLocal(key: string): Promise<void> {
    storageKeySchema.parse(key);
  }

  async stat(key: string): Promise<StoredObject | null> {
    const file = this.localPath(key);
    const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    if (!st?.isFile()) return null;
    return { key, size: st.size, location: `file://${file}`, modifiedAt: st.mtime };
  }

  async open(key: string, range?: ByteRange): Promise<Readable> {
    // Opened before the stream exists, so a missing file rejects here rather
    // than as a stream error after the caller has sent its headers.
    const fh = await open(this.localPath(key), "r");
    return fh.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const dir = prefix ? this.localPath(prefix.replace(/\/+$/, "")) : this.root;
    let names: string[];
    try {
      names = await readdir(dir, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: StoredObject[] = [];
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      const st = await stat(file);
      if (!st.isFile()) continue;
      out.push({
        key: path.relative(this.root, file).split(path.sep).join("/"),
        size: st.size,
        location: `file://${file}`,
        modifiedAt: st.mtime,
      });
    }
    return out;
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }
}
