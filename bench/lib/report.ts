// Every benchmark owns one section of docs/BENCHMARKS.md, delimited by markers,
// so benchmarks can be re-run independently without clobbering each other.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? "unknown CPU"} × ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, median: quantile(s, 0.5), p95: quantile(s, 0.95), min: s[0]!, max: s[s.length - 1]! };
}

/** Replace (or append) the section `name` of docs/BENCHMARKS.md with `body`. */
export function writeSection(name: string, title: string, command: string, body: string): void {
  const file = path.resolve(import.meta.dirname, "../../docs/BENCHMARKS.md");
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = [
    start,
    `## ${title}`,
    "",
    `- Command: \`${command}\``,
    `- Machine: ${machineLine()}`,
    `- Run at: ${new Date().toISOString()}`,
    "",
    body.trim(),
    end,
  ].join("\n");
  let doc = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Benchmarks\n\nEach section is written by its benchmark; re-run the command to refresh it.\n";
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  doc = re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, doc);
}
