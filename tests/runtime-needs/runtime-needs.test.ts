// The one list of run-time needs (scripts/setup/runtime-needs.json) against
// what setup installs, what the code uses, what the Debian packages really
// provide on this machine, and the start-up self-check of the real product.
//
// What this proves, and what it does not: the start path's OS packages are
// exactly the list's; every program the code starts by name and every font
// file it reads is on the list; each listed package provides its file or
// program here (dpkg), and every shared library the mediasoup worker loads
// comes from a listed package, one of its direct dependencies or the C/C++
// runtime; and the product refuses to start without a required part. It does
// not remove packages from this shared machine to start the product on a bare
// one: a program started through a name built at run time would escape the
// source scan (there is none today).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, promises as fs, readFileSync, realpathSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadRuntimeNeeds, runtimeDebianPackages, type RuntimeNeed } from "../../server/runtime-needs/runtime-needs";
import { checkRuntimeNeeds, mediasoupWorkerPath } from "../../server/runtime-needs/self-check";
import { DEFAULT_REPORT_FONTS } from "../../server/evidence/cjk-font";
import { freePort, productServerCommand } from "../support/product-process";
import { RTC_BLOCK_SIZE, reserveRtcBase } from "../support/rtc-ports";

const root = path.resolve(import.meta.dirname, "../..");
const needs = loadRuntimeNeeds();
const commandNeeds = needs.filter((n) => n.check.kind === "command");
const fileNeeds = needs.filter((n) => n.check.kind === "file");
const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

/** Owning Debian package of a file, or null (dpkg -S, trying the path as given and resolved). */
function owner(file: string): string | null {
  for (const p of [file, realpathSync(file)]) {
    const r = spawnSync("dpkg", ["-S", p], { encoding: "utf8" });
    if (r.status === 0) return r.stdout.split(":")[0]!.trim();
  }
  return null;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory() && d.name !== "node_modules" && !d.name.startsWith(".")) out.push(...(await sourceFiles(full)));
    else if (d.isFile() && /\.(ts|tsx|mjs|js)$/.test(d.name)) out.push(full);
  }
  return out;
}

describe("the run-time list and setup", () => {
  test("setup's OS packages for the product are exactly the list's Debian packages (fonts-noto-cjk among them)", () => {
    const listed = runtimeDebianPackages(needs);
    assert.ok(listed.includes("fonts-noto-cjk") && listed.includes("ffmpeg") && listed.includes("util-linux"));
    const printed = lines(execFileSync("bash", ["scripts/setup/system-packages.sh", "runtime-list"], { cwd: root, encoding: "utf8" }));
    assert.deepEqual(printed, listed);
    // scripts/start.sh → scripts/setup.sh without --test → system-packages.sh <mode>: that mode ensures every listed package.
    const setup = readFileSync(path.join(root, "scripts/setup.sh"), "utf8");
    const runMode = /else bash scripts\/setup\/system-packages\.sh (\w+); fi/.exec(setup)?.[1];
    assert.ok(runMode, "scripts/setup.sh names the system-packages mode of a product setup");
    assert.match(readFileSync(path.join(root, "scripts/start.sh"), "utf8"), /^bash scripts\/setup\.sh$/m, "start.sh runs the product setup");
    const ensured = lines(execFileSync("bash", ["scripts/setup/system-packages.sh", runMode], { cwd: root, encoding: "utf8", env: { ...process.env, SYSTEM_PACKAGES_DRY_RUN: "1" } }));
    assert.deepEqual(listed.filter((p) => !ensured.includes(p)), [], `the ${runMode} mode leaves out run-time packages`);
  });

  test("every program the code starts by name, and every font file the report reads, is on the list", async () => {
    const files = (await Promise.all(["server", "media", "app"].map((d) => sourceFiles(path.join(root, d))))).flat();
    const started = new Set<string>();
    for (const f of files) {
      const text = await fs.readFile(f, "utf8");
      for (const m of text.matchAll(/\b(?:spawn|spawnSync|execFile|execFileSync|exec|execSync)\(\s*"([a-z0-9_.-]+)"/g)) started.add(m[1]!);
      // setpriv runs its program after "--".
      for (const m of text.matchAll(/"--",\s*"([a-z0-9_.-]+)"/g)) started.add(m[1]!);
    }
    assert.ok(started.has("ffmpeg") && started.has("setpriv") && started.has("ffprobe"), `the scan sees the programs: ${[...started].join(", ")}`);
    const listedCommands = commandNeeds.map((n) => (n.check as { command: string }).command);
    assert.deepEqual([...started].filter((c) => !listedCommands.includes(c)).sort(), [], "programs the code starts that the list lacks");
    const listedFiles = fileNeeds.map((n) => (n.check as { path: string }).path);
    const fontFiles = [...new Set(Object.values(DEFAULT_REPORT_FONTS).map((f) => f.path))];
    assert.deepEqual(fontFiles.filter((p) => !listedFiles.includes(p)), [], "report fonts the list lacks");
    // The parts that are not Debian packages.
    for (const kind of ["mediasoup-worker", "quality-model"] as const) assert.ok(needs.some((n) => n.check.kind === kind), kind);
    for (const dir of ["data", "media", "keys", "evidence"]) assert.ok(needs.some((n) => n.check.kind === "writable-dir" && n.check.dir === dir), dir);
  });

  test("on this machine each listed package provides what it is listed for; the worker's libraries come from listed packages", () => {
    for (const n of [...commandNeeds, ...fileNeeds]) {
      const file = n.check.kind === "command" ? execFileSync("bash", ["-c", `command -v ${n.check.command}`], { encoding: "utf8" }).trim() : (n.check as { path: string }).path;
      const pkg = owner(file);
      assert.ok(pkg && n.debian.includes(pkg), `${n.id}: ${file} belongs to ${pkg}, the list says ${n.debian.join(", ")}`);
    }
    const worker = needs.find((n) => n.check.kind === "mediasoup-worker")!;
    const listed = new Set(worker.debian);
    // apt installs a listed package's direct dependencies with it; the C/C++ runtime is on every Debian.
    const depends = lines(execFileSync("dpkg-query", ["-W", "-f=${Depends}\n", ...worker.debian], { encoding: "utf8" }))
      .flatMap((l) => l.split(","))
      .map((d) => d.trim().split(/[\s:(|]/)[0]!);
    const allowed = new Set([...listed, ...depends, "libc6", "libgcc-s1", "libstdc++6"]);
    const ldd = execFileSync("ldd", [mediasoupWorkerPath()], { encoding: "utf8" });
    assert.ok(!/not found/.test(ldd), ldd);
    const libs = [...ldd.matchAll(/=>\s+(\/\S+)/g)].map((m) => m[1]!);
    assert.ok(libs.length > 3, ldd);
    const owners = libs.map((l) => ({ lib: l, pkg: owner(l) }));
    assert.deepEqual(owners.filter((o) => !o.pkg || !allowed.has(o.pkg)), [], "worker libraries from packages the list does not bring");
    assert.ok(owners.some((o) => o.pkg === "libsrtp2-1"), "the scan sees the worker's own libraries");
  });
});

describe("the start-up self-check", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "cs-selfcheck-"));
  });
  after(() => fs.rm(dataDir, { recursive: true, force: true }));

  test("passes on this machine with the real list", () => {
    const report = checkRuntimeNeeds({ dataDir, mediaDir: path.join(dataDir, "media"), qualityModelDir: path.join(root, "models/quality") });
    assert.deepEqual(report.needs.filter((n) => !n.ok), []);
    assert.equal(report.ok, true);
    assert.deepEqual(report.needs.map((n) => n.id), needs.map((n) => n.id));
  });

  test("the product refuses to start without required parts, naming each and its fix, without a stack", async () => {
    // A PATH without ffmpeg, ffprobe and setpriv; no worker binary; an empty model folder.
    const bin = mkdtempSync(path.join(os.tmpdir(), "cs-path-"));
    symlinkSync(process.execPath, path.join(bin, "node"));
    const emptyModel = mkdtempSync(path.join(os.tmpdir(), "cs-model-"));
    const child = spawn(process.execPath, await productServerCommand(), {
      cwd: root,
      env: {
        ...process.env,
        PATH: bin,
        NODE_ENV: "production",
        PAGES: "none",
        PORT: String(await freePort()),
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        CLAIMS_SURVEY_SKIP_ENV_FILE: "1",
        MEDIASOUP_WORKER_BIN: path.join(bin, "mediasoup-worker"),
        QUALITY_MODEL_DIR: emptyModel,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    await fs.rm(bin, { recursive: true, force: true });
    await fs.rm(emptyModel, { recursive: true, force: true });
    assert.equal(code, 78, out);
    assert.match(out, /The product cannot start: a part it needs at run time is missing/);
    for (const [id, fix] of [
      ["ffmpeg", "apt-get install ffmpeg"],
      ["ffprobe", "apt-get install ffmpeg"],
      ["setpriv", "apt-get install util-linux"],
      ["mediasoup-worker", "bash scripts/setup/mediasoup-worker.sh"],
      ["quality-model", "QUALITY_MODEL_DIR"],
    ]) {
      const line = out.split("\n").find((l) => l.includes(`- ${id} (`));
      assert.ok(line?.includes(fix), `${id}: ${line ?? "(not named)"}\n${out}`);
    }
    assert.ok(!/\n\s+at /.test(out), `no stack trace:\n${out}`);
    assert.ok(!/listening/.test(out), "it never listened");
  });

  test("with only an optional part missing the product starts, warns what will not work, and /api/health shows it", async () => {
    const port = await freePort();
    const rtcBase = await reserveRtcBase();
    Object.assign(process.env, {
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      MEDIASOUP_WORKERS: "1",
      MEDIASOUP_LISTEN_IP: "127.0.0.1",
      RTC_MIN_PORT: String(rtcBase),
      RTC_MAX_PORT: String(rtcBase + RTC_BLOCK_SIZE - 1),
      SEED_DEMO: "0",
      CLAIMS_SURVEY_SKIP_ENV_FILE: "1",
    });
    const { env } = await import("../../server/env");
    const { startProduct } = await import("../../server/bootstrap");
    const { pino } = await import("pino");
    let logged = "";
    const log = pino({ level: "info" }, { write: (s: string) => void (logged += s) });
    const optional: RuntimeNeed = {
      id: "site-extra",
      check: { kind: "file", path: path.join(dataDir, "not-installed.bin") },
      debian: ["site-extra-package"],
      required: false,
      usedFor: "a feature this site added",
    };
    const product = await startProduct({ env, pages: "none", log, runtimeNeeds: [...needs, optional] });
    try {
      const health = (await (await fetch(`http://127.0.0.1:${product.port}/api/health`)).json()) as {
        ok: boolean;
        runtime: { ok: boolean; missing: { id: string; required: boolean; fix: string }[]; needs: { id: string; ok: boolean }[] };
      };
      assert.equal(health.ok, true);
      assert.equal(health.runtime.ok, true);
      assert.deepEqual(health.runtime.missing.map((m) => [m.id, m.required]), [["site-extra", false]]);
      assert.match(health.runtime.missing[0]!.fix, /apt-get install site-extra-package/);
      assert.deepEqual(health.runtime.needs.filter((n) => !n.ok).map((n) => n.id), ["site-extra"]);
      assert.equal(health.runtime.needs.length, needs.length + 1);
      assert.match(logged, /what will not work/);
      assert.match(logged, /site-extra \(a feature this site added\)/);
    } finally {
      await product.close();
    }
  });
});
