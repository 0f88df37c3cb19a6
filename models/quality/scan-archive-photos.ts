// Looks through the whole Debian archive for photographs large enough to train on (issue 12:
// "look through every package you can install for real photographs"). Package names and
// descriptions say little (a login portal ships Wikimedia landscapes, a chess game its
// wallpapers), so this reads the archive's file lists instead:
//   1. apt-file (Debian's Contents indices) lists every .jpg/.jpeg path of every package;
//   2. packages with at least --min-files of them, smallest first, up to --max-mb each, are
//      downloaded (apt-get download, nothing installed) and unpacked in a temporary folder;
//   3. every JPEG or PNG inside large enough for a 640x480 training sample framed at the
//      renderer's minimum downscale (render-sample.ts: 1024x768) is listed with its size.
// The list is only a start: whether an image is a photograph (not a render, a screenshot or a
// painting) and under which licence was then read by eye and from each package's
// debian/copyright (DATA.md). Needs `apt-get install apt-file && apt-file update` once.
//   npx tsx models/quality/scan-archive-photos.ts [--min-files=3] [--max-mb=100] [--out=FILE]
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { downloadAndUnpack } from "./fetch-sources";
import { MIN_FRAMING_DOWNSCALE, SAMPLE_HEIGHT, SAMPLE_WIDTH } from "./render-sample";

const ArgsSchema = z.object({
  minFiles: z.coerce.number().int().min(1).default(3),
  maxMb: z.coerce.number().default(100),
  out: z.string().default("archive-photos.tsv"),
});

// The smallest photograph the training renderer frames without enlarging (1024x768).
const MIN_LONG = SAMPLE_WIDTH * MIN_FRAMING_DOWNSCALE;
const MIN_SHORT = SAMPLE_HEIGHT * MIN_FRAMING_DOWNSCALE;

function* imagesUnder(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st?.isDirectory()) yield* imagesUnder(file);
    else if (st?.isFile() && /\.(jpe?g|png)$/i.test(name)) yield file;
  }
}

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const listing = execFileSync("apt-file", ["search", "--regexp", "\\.(jpe?g|JPE?G)$"], { maxBuffer: 512 * 1024 * 1024 }).toString();
  const counts = new Map<string, number>();
  for (const line of listing.split("\n")) {
    const pkg = line.split(":")[0];
    if (pkg) counts.set(pkg, (counts.get(pkg) ?? 0) + 1);
  }
  const wanted = [...counts].filter(([, n]) => n >= args.minFiles).map(([p]) => p);
  const show = execFileSync("apt-cache", ["show", "--no-all-versions", ...wanted], { maxBuffer: 256 * 1024 * 1024 }).toString();
  const sizes = new Map<string, number>();
  let current = "";
  for (const line of show.split("\n")) {
    if (line.startsWith("Package: ")) current = line.slice(9).trim();
    else if (line.startsWith("Size: ") && !sizes.has(current)) sizes.set(current, Number(line.slice(6)));
  }
  const order = [...sizes].filter(([, s]) => s <= args.maxMb * 1e6).sort((a, b) => a[1] - b[1]);
  console.log(`${counts.size} packages hold JPEGs; ${wanted.length} hold at least ${args.minFiles}; scanning ${order.length} of at most ${args.maxMb} MB, smallest first`);
  for (const [i, [pkg]] of order.entries()) {
    const work = mkdtempSync(path.join(os.tmpdir(), "scan-"));
    const unpacked = path.join(work, "x");
    try {
      downloadAndUnpack(pkg, work, unpacked);
      let found = 0;
      for (const file of imagesUnder(unpacked)) {
        const meta = await sharp(file).metadata().catch(() => null);
        if (!meta?.width || !meta.height || Math.min(meta.width, meta.height) < MIN_SHORT || Math.max(meta.width, meta.height) < MIN_LONG) continue;
        appendFileSync(args.out, `${pkg}\t${meta.width}x${meta.height}\t${file.slice(unpacked.length)}\n`);
        found++;
      }
      console.log(`[${i + 1}/${order.length}] ${pkg}: ${found}`);
    } catch (err) {
      console.log(`[${i + 1}/${order.length}] ${pkg}: skipped (${(err as Error).message.split("\n")[0]})`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

await main();
