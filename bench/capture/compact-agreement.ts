// bench/capture/compact-agreement: does the quick verdict on the phone's compact
// copy agree with the verdict on the original? For every photo, Chromium makes
// the compact copy with the product's own code (app/_lib/capture/compact-copy.ts
// of this checkout, and of `--before=<git ref>` for comparison, transpiled
// into the page), and the server's gate (assessPhoto) judges the
// original and each copy. A disagreement is a quick verdict the original then
// overturns (the agent is told; the original's verdict counts).
//   node --import tsx bench/capture/compact-agreement.ts [--before=main] [--also=NAME=FILE ...] [DIR ...]
// DIR: folders of JPEG photos, searched recursively (default: the held-out
// photographs with the second generator's defects at phone sizes that
// models/quality/cross-evaluate.ts leaves in models/.cache, and tests/fixtures/photos).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import ts from "typescript";
import { assessPhoto } from "../../server/quality/assess-photo";
import { launchBrowser } from "../../tests/support/browser";
import { writeSection } from "../lib/report";

const root = path.resolve(import.meta.dirname, "../..");
const args = process.argv.slice(2);
const before = args.find((a) => a.startsWith("--before="))?.slice("--before=".length) ?? "main";
const dirs = args.filter((a) => !a.startsWith("--"));
if (dirs.length === 0) {
  const cache = path.join(root, "models/.cache");
  for (const d of existsSync(cache) ? readdirSync(cache).filter((d) => d.startsWith("cross-eval-")) : []) dirs.push(path.join(cache, d));
  dirs.push(path.join(root, "tests/fixtures/photos"));
}
const jpegs = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? jpegs(p) : /\.jpe?g$/i.test(f) ? [p] : [];
  });
const photos = dirs.flatMap(jpegs).sort();
/** A folder's or photo's name for the report: under this checkout, relative to it. */
const shortName = (p: string) => (path.resolve(p).startsWith(root + path.sep) ? path.relative(root, path.resolve(p)) : p);
if (photos.length === 0) throw new Error(`no JPEG photos under ${dirs.join(", ")}`);

// The two versions of the copy, each given to the page as window.__copies[name] (the file imports nothing:
// TypeScript's own transpiler turns it into a script).
const work = mkdtempSync(path.join(os.tmpdir(), "cs-compact-agreement-"));
const beforeFile = path.join(work, "compact-copy-before.ts");
writeFileSync(beforeFile, execFileSync("git", ["-C", root, "show", `${before}:app/_lib/capture/compact-copy.ts`]));
// --also=NAME=FILE: another version of compact-copy.ts to compare (e.g. other sizes or qualities).
const also = args.filter((a) => a.startsWith("--also=")).map((a) => a.slice("--also=".length).split("=") as [string, string]);
const versions: Record<string, string> = { before: beforeFile, after: path.join(root, "app/_lib/capture/compact-copy.ts"), ...Object.fromEntries(also.map(([n, f]) => [n, path.resolve(f)])) };
let bundle = "window.__copies = {};\n";
for (const [name, file] of Object.entries(versions)) {
  const js = ts.transpileModule(readFileSync(file, "utf8"), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  bundle += `(function (exports) {\n${js}\n})(window.__copies[${JSON.stringify(name)}] = {});\n`;
}

const server = http
  .createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/photo") {
      const i = Number(url.searchParams.get("i"));
      res.writeHead(200, { "content-type": "image/jpeg" });
      return res.end(readFileSync(photos[i]!));
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><html><body><script>${bundle.replace(/<\/script/gi, "<\\/script")}</script></body></html>`);
  })
  .listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const browser = await launchBrowser();
interface Row {
  photo: string;
  size: string;
  original: { verdict: string; reasons: string[] };
  copies: Record<string, { width: number; height: number; kb: number; ms: number; verdict: string; reasons: string[] }>;
}
const rows: Row[] = [];
try {
  const page = await browser.newPage();
  // http://127.0.0.1 is a secure context: ImageDecoder (WebCodecs) is there as on an https page.
  await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  const hasImageDecoder = await page.evaluate(() => typeof ImageDecoder !== "undefined");
  console.log(`${photos.length} photos; ImageDecoder in the page: ${hasImageDecoder}; before = ${before}`);
  for (let i = 0; i < photos.length; i++) {
    const made = await page.evaluate(async (i) => {
      const blob = await (await fetch(`/photo?i=${i}`)).blob();
      const out: Record<string, { b64: string; ms: number }> = {};
      for (const [name, copy] of Object.entries((window as unknown as { __copies: Record<string, { compactCopy(b: Blob): Promise<Blob> }> }).__copies)) {
        const t0 = performance.now();
        const c = await copy.compactCopy(blob);
        const ms = performance.now() - t0;
        const bytes = new Uint8Array(await c.arrayBuffer());
        let s = "";
        for (let k = 0; k < bytes.length; k += 0x8000) s += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
        out[name] = { b64: btoa(s), ms };
      }
      return out;
    }, i);
    const original = readFileSync(photos[i]!);
    const meta = await sharp(original).metadata();
    const o = await assessPhoto(original);
    const row: Row = { photo: shortName(photos[i]!), size: `${meta.width}×${meta.height}`, original: { verdict: o.verdict, reasons: o.reasons.map((r) => r.code).sort() }, copies: {} };
    for (const [name, { b64, ms }] of Object.entries(made)) {
      const bytes = Buffer.from(b64, "base64");
      const m = await sharp(bytes).metadata();
      const a = await assessPhoto(bytes);
      row.copies[name] = { width: m.width!, height: m.height!, kb: bytes.length / 1024, ms, verdict: a.verdict, reasons: a.reasons.map((r) => r.code).sort() };
    }
    rows.push(row);
    const flag = Object.entries(row.copies).map(([n, c]) => `${n} ${c.width}×${c.height} ${c.kb.toFixed(0)} KB ${c.verdict}${c.verdict === row.original.verdict ? "" : " DIFFERS"}`);
    console.log(`${i + 1}/${photos.length} ${row.photo} ${row.size}: original ${row.original.verdict}; ${flag.join("; ")}`);
  }
} finally {
  await browser.close();
  server.close();
}

const pct = (n: number, d: number) => `${n}/${d} (${((100 * n) / d).toFixed(1)} %)`;
const bySize = new Map<string, Row[]>();
for (const r of rows) bySize.set(r.size, [...(bySize.get(r.size) ?? []), r]);
const names = Object.keys(versions);
const line = (label: string, rs: Row[]) =>
  `| ${label} | ${rs.length} | ${names
    .map((n) => {
      const cs = rs.map((r) => r.copies[n]!);
      const verdictDiff = rs.filter((r) => r.copies[n]!.verdict !== r.original.verdict).length;
      const reasonDiff = rs.filter((r) => r.copies[n]!.reasons.join() !== r.original.reasons.join()).length;
      return `${pct(verdictDiff, rs.length)} | ${pct(reasonDiff, rs.length)} | ${(cs.reduce((a, c) => a + c.kb, 0) / cs.length).toFixed(0)} KB`;
    })
    .join(" | ")} |`;
const differing = rows.filter((r) => names.some((n) => r.copies[n]!.verdict !== r.original.verdict));
const body = [
  `Every photo's compact copy made in Chromium by the product's code (app/_lib/capture/compact-copy.ts): "before" is \`${before}\`'s, "after" this checkout's; the original and each copy judged by the server's gate (server/quality/assess-photo.ts, committed model). A verdict that differs is a quick verdict the original overturns. Photos: ${rows.length} JPEGs under ${dirs.map((d) => `\`${shortName(d)}\``).join(", ")}.`,
  "",
  `| photos | n | ${names.map((n) => `${n}: verdict differs | ${n}: reasons differ | ${n}: mean size`).join(" | ")} |`,
  `| --- | --- | ${names.map(() => "--- | --- | ---").join(" | ")} |`,
  line("all", rows),
  ...[...bySize.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([size, rs]) => line(size, rs)),
  "",
  differing.length ? "Photos where a quick verdict differs from the original's:" : "No quick verdict differed from the original's.",
  ...differing.map((r) => `- ${r.photo} (${r.size}): original ${r.original.verdict} [${r.original.reasons.join(", ")}]; ${names.map((n) => `${n} ${r.copies[n]!.verdict} [${r.copies[n]!.reasons.join(", ")}]`).join("; ")}`),
].join("\n");
writeSection("capture-agreement", "Photo: the quick verdict on the compact copy against the verdict on the original", `node --import tsx bench/capture/compact-agreement.ts --before=${before}`, body);
console.log(body);
