// Extracts the source photographs from the Debian packages listed in sources.json
// (apt-get download + dpkg-deb -x, no system-wide install) into models/.cache/sources,
// and checks every file against its recorded SHA-256 so a training run can only
// ever see the exact bytes the committed model was trained on.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, copyFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { eetEntry } from "./eet-entry";

const SourceSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]+$/),
  package: z.string().min(1),
  version: z.string().min(1),
  path: z.string().startsWith("/"),
  /** The photograph is this entry of the EET (.edj) archive at `path` (eet-entry.ts). */
  member: z.string().min(1).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  author: z.string().min(1),
  licence: z.string().min(1),
  /**
   * train: used for training and thresholds; test: held out, same sources as training;
   * unseen-source: held out and from a source (package, photographer) that no training
   * photograph comes from, for the cross-generator evaluation on an unseen kind of source;
   * candidate: found by the scan of the whole Debian archive on 2026-12-06 (DATA.md), licence
   * recorded, not used by the committed model; `train.ts --candidates=yes` trains on them too.
   */
  split: z.enum(["train", "test", "unseen-source", "candidate"]),
});
export type Split = z.infer<typeof SourceSchema>["split"];
export type PhotoSource = z.infer<typeof SourceSchema> & { file: string };

const SourcesFileSchema = z.object({ note: z.string(), sources: z.array(SourceSchema).min(1) });

const CACHE = path.resolve(import.meta.dirname, "../.cache");
const SOURCES_DIR = path.join(CACHE, "sources");

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * `apt-get download <spec>` (a package name, or name=version) into `debDir`, unpacked with
 * `dpkg-deb -x` into `outDir` (nothing installed); the .deb is removed afterwards. Also used by
 * scan-archive-photos.ts.
 */
export function downloadAndUnpack(spec: string, debDir: string, outDir: string): void {
  const pkg = spec.split("=")[0]!;
  mkdirSync(debDir, { recursive: true });
  const before = new Set(readdirSync(debDir));
  execFileSync("apt-get", ["download", spec], { cwd: debDir, stdio: ["ignore", "ignore", "pipe"] });
  const deb = readdirSync(debDir).find((f) => !before.has(f) && f.startsWith(`${pkg}_`) && f.endsWith(".deb"))
    ?? readdirSync(debDir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
  if (!deb) throw new Error(`apt-get download ${spec} produced no .deb in ${debDir}`);
  mkdirSync(outDir, { recursive: true });
  execFileSync("dpkg-deb", ["-x", path.join(debDir, deb), outDir]);
  rmSync(path.join(debDir, deb));
}

function extractPackage(pkg: string, version: string): string {
  const outDir = path.join(CACHE, "extract", `${pkg}_${version.replace(/[^A-Za-z0-9.+-]/g, "_")}`);
  if (existsSync(outDir)) return outDir;
  try {
    downloadAndUnpack(`${pkg}=${version}`, path.join(CACHE, "debs"), outDir);
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
    throw new Error(
      `Could not download Debian package ${pkg}=${version} (needed for the training photographs). ` +
        `Run 'apt-get update' once, then retry. apt-get said: ${stderr.trim()}`,
    );
  }
  return outDir;
}

export function readSourceList(): Omit<PhotoSource, "file">[] {
  const raw = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "sources.json"), "utf8"));
  return SourcesFileSchema.parse(raw).sources;
}

/** Returns every source photograph (of the given splits) with a verified local file, fetching what is missing. */
export function fetchSources(splits?: Split[]): PhotoSource[] {
  const list = readSourceList().filter((s) => !splits || splits.includes(s.split));
  mkdirSync(SOURCES_DIR, { recursive: true });
  const extracted = new Map<string, string>();
  const result: PhotoSource[] = [];
  for (const src of list) {
    // An archive's member is a JPEG (the only kind read from one so far).
    const file = path.join(SOURCES_DIR, `${src.id}${src.member ? ".jpg" : path.extname(src.path).toLowerCase()}`);
    if (!existsSync(file) || sha256(file) !== src.sha256) {
      const key = `${src.package}=${src.version}`;
      if (!extracted.has(key)) extracted.set(key, extractPackage(src.package, src.version));
      const from = path.join(extracted.get(key)!, src.path);
      if (!existsSync(from)) throw new Error(`${key} does not contain ${src.path}`);
      if (src.member) writeFileSync(file, eetEntry(from, src.member));
      else copyFileSync(from, file);
    }
    const got = sha256(file);
    if (got !== src.sha256) {
      throw new Error(`Source photo ${src.id} has SHA-256 ${got}, expected ${src.sha256}: the package changed; refusing to train on different data.`);
    }
    result.push({ ...src, file });
  }
  // The unpacked packages are large and no longer needed once the photos are copied out.
  for (const dir of extracted.values()) rmSync(dir, { recursive: true, force: true });
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const got = fetchSources();
  console.log(`${got.length} source photographs verified in ${SOURCES_DIR}`);
}
