// Compiles the product's server (server/main.ts and everything it imports from this
// repository) into one JavaScript file, .server-build/main.mjs, which `scripts/start.sh`
// runs with plain node. Without it every start resolved and compiled the server's
// TypeScript through tsx's loader hooks, paid again by every restart and by every test
// that starts the product: a start took 6.96 CPU-seconds against 5.25 from the build
// (medians, quiet machine, bench/start), and 6.6–9.0 against 4.5–5.4 on a loaded one.
//
// Packages stay in node_modules (imported at run time, as before), and so do Prisma's
// generated clients (plain JavaScript). A source file's own location, which several
// modules use to find the repository's files (models/, prisma/migrations, public/guides),
// is kept: `import.meta.dirname` and `import.meta.url` in each file are replaced by that
// file's path, computed at run time from where the bundle lies, so the checkout can move.
//
// `node scripts/build-server.mjs` builds; `--if-stale` builds only when a source file is
// newer than the bundle (tests/support/product-process.ts: a test never runs old code).
import { build } from "esbuild";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The bundle of a checkout (this one unless another root is given). */
export const serverBuildFile = (root = ROOT) => path.join(root, ".server-build", "main.mjs");
const OUT_FILE = serverBuildFile();
/** Besides the bundled sources (listed in inputs.json at each build), what a build depends on. */
const BUILD_FILES = ["package.json", "package-lock.json", "scripts/build-server.mjs"];
const inputsFile = (root) => path.join(root, ".server-build", "inputs.json");

const mtime = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;

/**
 * True when the bundle is missing, or a file it was built from (esbuild's own list of
 * them) is newer or gone. A file newly imported is caught through the file that now
 * imports it, which changed.
 */
export function serverBuildIsStale(root = ROOT) {
  const built = mtime(serverBuildFile(root));
  if (built === undefined) return true;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(inputsFile(root), "utf8"));
  } catch {
    return true;
  }
  for (const rel of [...inputs, ...BUILD_FILES]) {
    const t = mtime(path.join(root, rel));
    if (t === undefined ? inputs.includes(rel) : t > built) return true;
  }
  return false;
}

const relativeTo = (root, file) => path.relative(root, file).split(path.sep).join("/");

/** Each repository file's own `import.meta.dirname` / `import.meta.url`, as its path under the root. */
const ownLocation = (root) => ({
  name: "own-location",
  setup(b) {
    // Every file of the repository the server imports (packages are not bundled), JavaScript too.
    b.onLoad({ filter: /\.(ts|tsx|mts|js|jsx|mjs)$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      const rel = relativeTo(root, args.path);
      contents = contents
        .replaceAll("import.meta.dirname", `__serverBuildPath(${JSON.stringify(path.posix.dirname(rel))})`)
        .replaceAll("import.meta.url", `__serverBuildUrl(${JSON.stringify(rel)})`);
      const loader = /\.tsx$/.test(args.path) ? "tsx" : /\.jsx$/.test(args.path) ? "jsx" : /\.m?js$/.test(args.path) ? "js" : "ts";
      return { contents, loader };
    });
  },
});

/** Prisma's generated clients stay files of their own, imported from the bundle's folder. */
const prismaClientsOutside = (outDir) => ({
  name: "prisma-clients-outside",
  setup(b) {
    b.onResolve({ filter: /prisma\/generated\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      const entry = statSync(target, { throwIfNoEntry: false })?.isDirectory() ? path.join(target, "index.js") : target;
      return { path: `./${relativeTo(outDir, entry)}`, external: true };
    });
  },
});

/** Builds `<root>/server/main.ts` into `serverBuildFile(root)`; returns that path. */
export async function buildServer(root = ROOT) {
  const outFile = serverBuildFile(root);
  const outDir = path.dirname(outFile);
  mkdirSync(outDir, { recursive: true });
  // Written beside and renamed: two test lanes may build at once, and a start must never read half a file.
  const tmp = path.join(outDir, `main.${process.pid}.${Date.now()}.mjs`);
  const result = await build({
    entryPoints: [path.join(root, "server/main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    logLevel: "warning",
    metafile: true,
    plugins: [ownLocation(root), prismaClientsOutside(outDir)],
    banner: {
      js: [
        `import { createRequire as __serverBuildRequire } from "node:module";`,
        `import { fileURLToPath as __serverBuildFileUrlToPath, pathToFileURL as __serverBuildPathToFileUrl } from "node:url";`,
        `import __serverBuildPathModule from "node:path";`,
        `const require = __serverBuildRequire(import.meta.url);`,
        `const __serverBuildRoot = __serverBuildPathModule.resolve(__serverBuildPathModule.dirname(__serverBuildFileUrlToPath(import.meta.url)), "..");`,
        `const __serverBuildPath = (rel) => __serverBuildPathModule.join(__serverBuildRoot, rel);`,
        `const __serverBuildUrl = (rel) => __serverBuildPathToFileUrl(__serverBuildPathModule.join(__serverBuildRoot, rel)).href;`,
      ].join("\n"),
    },
  });
  // Listed first and renamed last: a bundle is never newer than its list.
  const inputs = Object.keys(result.metafile.inputs).map((f) => relativeTo(root, path.resolve(root, f)));
  const listTmp = `${tmp}.inputs.json`;
  writeFileSync(listTmp, JSON.stringify(inputs));
  renameSync(listTmp, inputsFile(root));
  renameSync(tmp, outFile);
  return outFile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--if-stale") && !serverBuildIsStale()) process.exit(0);
  await buildServer();
  console.log(`server build: ${relativeTo(ROOT, OUT_FILE)}`);
}
