// Writes package files into a staging folder — and, if asked, into the .zip at
// the same time — hashing each byte as it passes. Recordings are large, so a
// file is read exactly once: the same chunk is hashed, written to the folder
// and fed to the zip. On the same filesystem a hard link can replace the copy.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { PassThrough } from "node:stream";
import yazl from "yazl";
import { useNativeCrc32ForYazl } from "./zip-crc32-native";

useNativeCrc32ForYazl();

export interface WrittenFile {
  path: string;
  size: number;
  sha256: string;
}

export interface PackageWriterOptions {
  stagingDir: string;
  /** Where the zip goes while being written; omit for no zip. */
  zipPath?: string;
  mtime: Date;
  /** "hardlink" links media instead of copying when source and package share a filesystem. */
  mediaFiles: "copy" | "hardlink";
  onBytes?: (bytes: number) => void;
}

const CHUNK = 4 * 1024 * 1024;

export class PackageWriter {
  private readonly zip?: yazl.ZipFile;
  private readonly zipDone?: Promise<void>;
  private readonly written = new Set<string>();

  constructor(private readonly options: PackageWriterOptions) {
    if (options.zipPath) {
      this.zip = new yazl.ZipFile();
      const out = createWriteStream(options.zipPath, { flags: "wx" });
      this.zip.outputStream.pipe(out);
      this.zipDone = new Promise((resolve, reject) => {
        out.on("close", resolve);
        out.on("error", reject);
        this.zip!.outputStream.on("error", reject);
      });
      // Surfaces zip errors at finish() instead of as an unhandled rejection.
      this.zipDone.catch(() => undefined);
    }
  }

  private async target(rel: string): Promise<string> {
    if (this.written.has(rel)) throw new Error(`package path ${rel} written twice`);
    this.written.add(rel);
    const full = path.join(this.options.stagingDir, rel);
    await fs.mkdir(path.dirname(full), { recursive: true });
    return full;
  }

  async addBuffer(rel: string, bytes: Buffer): Promise<WrittenFile> {
    const full = await this.target(rel);
    await fs.writeFile(full, bytes, { flag: "wx", mode: 0o444 });
    this.zip?.addBuffer(bytes, rel, { mtime: this.options.mtime, mode: 0o100444, compress: true });
    return { path: rel, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  }

  /** Copies (or links) `source` to `rel`, hashing in the same pass. Keeps the bytes if `keep` (small files). */
  async addFile(rel: string, source: string, keep = false): Promise<WrittenFile & { bytes?: Buffer }> {
    const full = await this.target(rel);
    const linked = this.options.mediaFiles === "hardlink" && (await tryLink(source, full));
    const hash = createHash("sha256");
    const kept: Buffer[] = [];
    let size = 0;
    let zipEntry: PassThrough | undefined;
    if (this.zip) {
      zipEntry = new PassThrough({ highWaterMark: CHUNK });
      // Media is already compressed; deflating it again costs CPU for nothing.
      this.zip.addReadStream(zipEntry, rel, { mtime: this.options.mtime, mode: 0o100444, compress: false });
    }
    const out = linked ? undefined : await fs.open(full, "wx", 0o444);
    let position = 0;
    try {
      for await (const chunk of createReadStream(linked ? full : source, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
        // Start the write first so the disk works while this thread hashes.
        const write = out ? writeAll(out, chunk, position) : undefined;
        position += chunk.length;
        hash.update(chunk);
        if (keep) kept.push(chunk);
        size += chunk.length;
        if (zipEntry && !zipEntry.write(chunk)) await once(zipEntry, "drain");
        await write;
        this.options.onBytes?.(chunk.length);
      }
    } finally {
      await out?.close();
      zipEntry?.end();
    }
    return { path: rel, size, sha256: hash.digest("hex"), bytes: keep ? Buffer.concat(kept) : undefined };
  }

  /** Closes the zip (after the manifest and signature were added). */
  async finish(): Promise<void> {
    if (!this.zip) return;
    this.zip.end();
    await this.zipDone;
  }

  /** Stops the zip so a failed build leaves no half-written archive handle open. */
  abort(): void {
    (this.zip?.outputStream as unknown as PassThrough | undefined)?.destroy();
  }
}

async function writeAll(out: fs.FileHandle, chunk: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await out.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

async function tryLink(source: string, target: string): Promise<boolean> {
  try {
    await fs.link(source, target);
    return true;
  } catch (err) {
    // Different filesystem or links not permitted: fall back to copying.
    if (["EXDEV", "EPERM", "EMLINK", "ENOTSUP"].includes((err as NodeJS.ErrnoException).code ?? "")) return false;
    throw err;
  }
}
