// The server must refuse to run a model file that is not the one recorded by its SHA-256.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { DEFAULT_MODEL_DIR, loadQualityModel, ModelIntegrityError } from "../../server/quality/load-quality-model";
import { MODEL_OUTPUTS } from "../../server/quality/model-manifest";

const temp: string[] = [];
function copyModel(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "quality-model-"));
  temp.push(dir);
  for (const f of ["model.onnx", "model.sha256", "thresholds.json"]) cpSync(path.join(DEFAULT_MODEL_DIR, f), path.join(dir, f));
  return dir;
}
after(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("loadQualityModel", () => {
  it("loads the committed model, whose outputs and thresholds match the server's contract", async () => {
    const m = await loadQualityModel();
    assert.deepEqual(m.manifest.outputs, [...MODEL_OUTPUTS]);
    assert.equal(m.sha256, readFileSync(path.join(DEFAULT_MODEL_DIR, "model.sha256"), "utf8").split(/\s+/)[0]);
    assert.ok(m.session.outputNames.includes("scores"));
    assert.ok(readFileSync(path.join(DEFAULT_MODEL_DIR, "model.onnx")).length < 4 * 1024 * 1024, "model file must stay small");
    // Same promise, same session: the model is loaded once per process.
    assert.equal(await loadQualityModel(), m);
  });

  it("refuses a model file with one byte changed", async () => {
    const dir = copyModel();
    const bytes = readFileSync(path.join(dir, "model.onnx"));
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(path.join(dir, "model.onnx"), bytes);
    await assert.rejects(loadQualityModel(dir), (e: unknown) => e instanceof ModelIntegrityError && /SHA-256/.test(e.message));
  });

  it("refuses when model.sha256 and thresholds.json disagree", async () => {
    const dir = copyModel();
    writeFileSync(path.join(dir, "model.sha256"), `${"0".repeat(64)}  model.onnx\n`);
    await assert.rejects(loadQualityModel(dir), ModelIntegrityError);
  });

  it("refuses a missing or malformed manifest", async () => {
    const dir = copyModel();
    writeFileSync(path.join(dir, "thresholds.json"), JSON.stringify({ model: "model.onnx" }));
    await assert.rejects(loadQualityModel(dir), (e: unknown) => e instanceof ModelIntegrityError && /manifest/.test(e.message));
    rmSync(path.join(dir, "thresholds.json"));
    await assert.rejects(loadQualityModel(dir), ModelIntegrityError);
  });

  it("can load again after the files are fixed (failures are not cached)", async () => {
    const dir = copyModel();
    const good = readFileSync(path.join(dir, "model.sha256"));
    writeFileSync(path.join(dir, "model.sha256"), "nonsense");
    await assert.rejects(loadQualityModel(dir), ModelIntegrityError);
    writeFileSync(path.join(dir, "model.sha256"), good);
    const m = await loadQualityModel(dir);
    assert.ok(m.session);
  });
});
