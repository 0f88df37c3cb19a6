// A node:test reporter that prints how long each test file took, slowest first, so the
// suite's length can be cut where it goes: the spec reporter shows tests, not a file's own
// set-up (starting products, browsers and databases in before() hooks, loading modules).
// Node reports each file as a top-level test named by its path; its `test:complete` event
// carries the whole file's duration.
export default async function* fileTimes(source) {
  const rows = [];
  for await (const event of source) {
    const d = event.data;
    if (event.type === "test:complete" && d?.nesting === 0 && d.file && d.name === d.file) {
      rows.push({ file: d.file.replace(`${process.cwd()}/`, ""), seconds: (d.details?.duration_ms ?? 0) / 1000 });
    }
  }
  const total = rows.reduce((s, r) => s + r.seconds, 0);
  yield `files by time (${rows.length} files, ${total.toFixed(0)} s in all):\n`;
  for (const r of rows.sort((a, b) => b.seconds - a.seconds)) yield `${r.seconds.toFixed(1).padStart(8)} s  ${r.file}\n`;
}
