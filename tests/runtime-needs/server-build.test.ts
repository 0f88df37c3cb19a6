// The server's build (scripts/build-server.mjs), which scripts/start.sh runs: on a small
// checkout of its own, that a file's own location survives bundling (the product finds
// models/, prisma/migrations and public/guides that way) and follows the checkout when it
// moves (JavaScript files of the repository too), that Prisma's generated clients stay outside the bundle, and that the bundle is
// known to be stale as soon as a source it was built from changes or goes. That the real
// server runs from its build is what every test starting the product checks
// (tests/support/product-process.ts starts it as start.sh does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildServer, serverBuildFile, serverBuildIsStale } from "../../scripts/build-server.mjs";

function writeCheckout(root: string) {
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  put("models/note.txt", "found by its own location");
  put("prisma/generated/client/index.js", "module.exports = { where: __dirname };\n");
  put(
    "server/deep/where.ts",
    [
      'import { readFileSync } from "node:fs";',
      'import { fileURLToPath } from "node:url";',
      'import path from "node:path";',
      "export const note: string = readFileSync(path.resolve(import.meta.dirname, '../../models/note.txt'), 'utf8');",
      "export const file: string = fileURLToPath(import.meta.url);",
    ].join("\n"),
  );
  put("server/deep/plain.mjs", "export const plainDir = import.meta.dirname;\n");
  put(
    "server/main.ts",
    [
      'import { note, file } from "./deep/where";',
      '// @ts-expect-error a JavaScript file of the repository, without types',
      'import { plainDir } from "./deep/plain.mjs";',
      'import prisma from "../prisma/generated/client";',
      "console.log(JSON.stringify({ note, file, plainDir, main: import.meta.dirname, prisma: (prisma as { where: string }).where }));",
    ].join("\n"),
  );
}

const run = (root: string) => JSON.parse(execFileSync(process.execPath, [serverBuildFile(root)], { encoding: "utf8" })) as Record<string, string>;

test("a bundled file keeps its own location, which follows the checkout when it moves; Prisma's clients stay outside", async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "cs-server-build-"));
  try {
    const first = path.join(parent, "first");
    writeCheckout(first);
    await buildServer(first);
    const bundle = readFileSync(serverBuildFile(first), "utf8");
    assert.doesNotMatch(bundle, /module\.exports = \{ where: __dirname \}/, "the generated client is not copied into the bundle");
    assert.deepEqual(run(first), {
      note: "found by its own location",
      file: path.join(first, "server/deep/where.ts"),
      plainDir: path.join(first, "server/deep"),
      main: path.join(first, "server"),
      prisma: path.join(first, "prisma/generated/client"),
    });
    const moved = path.join(parent, "moved");
    renameSync(first, moved);
    assert.deepEqual(run(moved), {
      note: "found by its own location",
      file: path.join(moved, "server/deep/where.ts"),
      plainDir: path.join(moved, "server/deep"),
      main: path.join(moved, "server"),
      prisma: path.join(moved, "prisma/generated/client"),
    });
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test("the build is stale when missing, when a source it was built from is newer, and when one is gone", async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "cs-server-build-"));
  try {
    writeCheckout(root);
    assert.equal(serverBuildIsStale(root), true, "no build yet");
    await buildServer(root);
    assert.equal(serverBuildIsStale(root), false, "just built");
    // A file not bundled (a note read at run time) changing does not call for a build.
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(root, "models/note.txt"), later, later);
    assert.equal(serverBuildIsStale(root), false, "a data file is not a source");
    utimesSync(path.join(root, "server/deep/where.ts"), later, later);
    assert.equal(serverBuildIsStale(root), true, "a source edited after the build");
    // Back to the past, so that the rebuild below is newer than it.
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(path.join(root, "server/deep/where.ts"), earlier, earlier);
    await buildServer(root);
    assert.equal(serverBuildIsStale(root), false, "built again");
    rmSync(path.join(root, "server/deep/where.ts"));
    assert.equal(serverBuildIsStale(root), true, "a source the build was made from is gone");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
