// What the training and evaluation commands read their photographs with: the EET (.edj)
// archive reader (enlightenment-data's backgrounds) and the EVAL.md sections the two
// evaluation commands share.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { EetFormatError, eetEntries, eetEntry } from "../../models/quality/eet-entry";
import { crossMarkers, crossSections } from "../../models/quality/cross-eval/markers";

/** An EET v2 archive as Enlightenment writes it: header, directory, names, then the data. */
function eetArchive(entries: { name: string; data: Buffer; flags?: number; dataSize?: number }[]): Buffer {
  const dirBytes = 12 + entries.length * 24;
  const names = entries.map((e) => Buffer.from(`${e.name}\0`, "utf8"));
  let at = dirBytes;
  const nameAt = names.map((n) => ((at += n.length), at - n.length));
  const dataAt = entries.map((e) => ((at += e.data.length), at - e.data.length));
  const out = Buffer.alloc(at);
  out.writeUInt32BE(0x1ee70f42, 0);
  out.writeUInt32BE(entries.length, 4);
  out.writeUInt32BE(0, 8);
  entries.forEach((e, i) => {
    const o = 12 + i * 24;
    [dataAt[i]!, e.data.length, e.dataSize ?? e.data.length, nameAt[i]!, names[i]!.length, e.flags ?? 0].forEach((v, k) => out.writeUInt32BE(v, o + k * 4));
    names[i]!.copy(out, nameAt[i]!);
    e.data.copy(out, dataAt[i]!);
  });
  return out;
}

describe("EET archive entries", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "eet-"));
  const jpegLike = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);

  it("returns a plainly stored entry's exact bytes by name", () => {
    const file = path.join(dir, "bg.edj");
    writeFileSync(file, eetArchive([{ name: "edje/file", data: Buffer.from("collections") }, { name: "edje/images/0", data: jpegLike }]));
    assert.deepEqual(eetEntries(file).map((e) => e.name), ["edje/file", "edje/images/0"]);
    assert.deepEqual(eetEntry(file, "edje/images/0"), jpegLike);
  });

  it("refuses a compressed entry, a missing one and a file that is not an archive", () => {
    const file = path.join(dir, "packed.edj");
    writeFileSync(file, eetArchive([{ name: "edje/images/0", data: jpegLike, flags: 1, dataSize: 4096 }]));
    assert.throws(() => eetEntry(file, "edje/images/0"), /compressed/);
    assert.throws(() => eetEntry(file, "edje/images/1"), /no entry/);
    const notEet = path.join(dir, "photo.jpg");
    writeFileSync(notEet, jpegLike);
    assert.throws(() => eetEntries(notEet), EetFormatError);
    const cut = path.join(dir, "cut.edj");
    writeFileSync(cut, eetArchive([{ name: "edje/images/0", data: jpegLike }]).subarray(0, 40));
    assert.throws(() => eetEntries(cut), /past the end/);
  });
});

describe("EVAL.md cross-generator sections", () => {
  it("keeps every split's section, in file order, and nothing around them", () => {
    const t = crossMarkers("test"), u = crossMarkers("unseen-source");
    assert.notEqual(t.start, u.start);
    const text = `# written by evaluate\n\n${u.start}\nunseen figures\n${u.end}\nstray\n${t.start}\ntest figures\n${t.end}\n`;
    assert.equal(crossSections(text), `\n${u.start}\nunseen figures\n${u.end}\n\n${t.start}\ntest figures\n${t.end}\n`);
    assert.equal(crossSections("# nothing else"), "");
  });
});
