// The verifier reads a package the same way whether it is a folder or the
// .zip an auditor received: list the entries, read small ones whole, stream
// large ones through SHA-256 (read once, never loaded whole).
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import type { HashTarget } from "./parallel-hasher";

export interface SourceEntry {
  path: string;
  size: number;
  /** Symlinks, devices and the like are never part of a package. */
  regular: boolean;
}

export interface PackageSource {
  kind: "folder" | "zip";
  location: string;
  entries: SourceEntry[];
  /** Entry names that appear more than once (zip only). */
  duplicates: string[];
  read(rel: string): Promise<Buffer>;
  hash(rel: string): Promise<{ sha256: string; size: number }>;
  /** Where the entry's bytes lie on disk, if they can be hashed straight from the file (for worker threads). */
  locate(rel: string): Promise<HashTarget | undefined>;
  close(): Promise<void>;
}

export async function openPackageSource(location: string): Promise<PackageSource> {
  const stat = await fs.stat(location);
  if (stat.isDirectory()) return openFolder(location);
  if (stat.isFile()) return openZip(location);
  throw new Error(`${location} is neither a folder nor a .zip file`);
}

async function openFolder(root: string): Promise<PackageSource> {
  const entries: SourceEntry[] = [];
  const walk = async (dir: string) => {
    for (const d of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name);
      const rel = path.relative(root, full).split(path.sep).join("/");
      if (d.isDirectory()) await walk(full);
      else {
        const st = await fs.lstat(full);
        entries.push({ path: rel, size: st.size, regular: st.isFile() });
      }
    }
  };
  await walk(root);
  const resolve = (rel: string) => path.join(root, ...rel.split("/"));
  return {
    kind: "folder",
    location: root,
    entries,
    duplicates: [],
    read: (rel) => fs.readFile(resolve(rel)),
    hash: (rel) => hashStream(createReadStream(resolve(rel), { highWaterMark: 4 * 1024 * 1024 })),
    locate: async (rel) => ({ file: resolve(rel) }),
    close: async () => undefined,
  };
}

async function openZip(file: string): Promise<PackageSource> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: true, validateEntrySizes: true }, (err, z) => (err ? reject(err) : resolve(z!))),
  );
  const byName = new Map<string, yauzl.Entry>();
  const duplicates: string[] = [];
  const entries: SourceEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on("entry", (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith("/")) {
        if (byName.has(entry.fileName)) duplicates.push(entry.fileName);
        byName.set(entry.fileName, entry);
        // Unix mode lives in the high 16 bits of the external attributes; 0o120000 is a symlink.
        const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
        entries.push({ path: entry.fileName, size: entry.uncompressedSize, regular: mode === 0 || mode === 0o100000 });
      }
      zip.readEntry();
    });
    zip.on("end", resolve);
    zip.on("error", reject);
    zip.readEntry();
  });
  // Stored (uncompressed) entries — all media — are read straight from the
  // archive in large chunks; yauzl's own stream reads 16 KiB at a time.
  const locate = async (rel: string): Promise<HashTarget | undefined> => {
    const entry = byName.get(rel);
    if (!entry) throw new Error(`${rel} is not in the zip`);
    if (entry.compressionMethod !== 0 || entry.isEncrypted() || entry.compressedSize !== entry.uncompressedSize || entry.compressedSize === 0) return undefined;
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    return { file, start: fileDataStart, end: fileDataStart + entry.compressedSize - 1 };
  };
  const stream = async (rel: string): Promise<Readable> => {
    const range = await locate(rel);
    if (range) return createReadStream(range.file, { start: range.start, end: range.end, highWaterMark: 4 * 1024 * 1024 });
    return zip.openReadStreamPromise(byName.get(rel)!);
  };
  return {
    kind: "zip",
    location: file,
    entries,
    duplicates,
    read: async (rel) => {
      const chunks: Buffer[] = [];
      for await (const c of await stream(rel)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    },
    hash: async (rel) => hashStream(await stream(rel)),
    locate,
    close: async () => zip.close(),
  };
}

async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}
