// Loads the quality model once per process. The model file must hash to the SHA-256 written
// in model.sha256 and in thresholds.json: an auditor must be able to tell exactly which model
// judged a photo, so a swapped or corrupted file is refused rather than run.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { ModelManifestSchema, type ModelManifest } from "./model-manifest";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "./prepare-model-input";

export const DEFAULT_MODEL_DIR = path.resolve(import.meta.dirname, "../../models/quality");

export class ModelIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelIntegrityError";
  }
}

export interface QualityModel {
  session: ort.InferenceSession;
  manifest: ModelManifest;
  sha256: string;
  /** The verified model file (150 KB): the phone's live hints run these same bytes. */
  bytes: Uint8Array;
}

const loaded = new Map<string, Promise<QualityModel>>();

async function load(dir: string): Promise<QualityModel> {
  const manifestPath = path.join(dir, "thresholds.json");
  let manifest: ModelManifest;
  try {
    manifest = ModelManifestSchema.parse(JSON.parse(await readFile(manifestPath, "utf8")));
  } catch (err) {
    throw new ModelIntegrityError(`Quality model manifest ${manifestPath} is missing or invalid: ${(err as Error).message}`);
  }
  const shaFile = (await readFile(path.join(dir, "model.sha256"), "utf8").catch(() => "")).trim();
  const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(shaFile);
  if (!m) throw new ModelIntegrityError(`${path.join(dir, "model.sha256")} is missing or not "<sha256>  <file>"`);
  if (m[2] !== manifest.model) throw new ModelIntegrityError(`model.sha256 names ${m[2]}, thresholds.json names ${manifest.model}`);
  const modelPath = path.join(dir, manifest.model);
  const bytes = await readFile(modelPath).catch((err: Error) => {
    throw new ModelIntegrityError(`Quality model ${modelPath} cannot be read: ${err.message}`);
  });
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== m[1] || actual !== manifest.modelSha256) {
    throw new ModelIntegrityError(
      `Refusing to load ${modelPath}: its SHA-256 is ${actual}, but model.sha256 says ${m[1]} and thresholds.json says ${manifest.modelSha256}. ` +
        "Re-run `npx tsx models/quality/train.ts` or restore the committed model.",
    );
  }
  // One intra-op thread: the server runs many requests side by side, each on one core.
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "basic",
  });
  for (const name of ["scores"]) {
    if (!session.outputNames.includes(name)) throw new ModelIntegrityError(`Quality model has no "${name}" output`);
  }
  // Two runs on a blank picture at load: a fresh session's first two runs took 150–340 ms
  // each on the test machine, the next ones 12–55 ms (onnxruntime sets up its kernels and
  // memory on the first runs), and the first driver's photos (their quick verdicts) waited
  // for that. A model that cannot judge a picture of the input size is refused here rather
  // than at the first photo.
  try {
    const blank = new ort.Tensor("uint8", new Uint8Array(MODEL_INPUT_HEIGHT * MODEL_INPUT_WIDTH * 3), [1, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, 3]);
    for (let i = 0; i < 2; i++) await session.run({ [manifest.input.name]: blank });
  } catch (err) {
    throw new ModelIntegrityError(`Quality model ${modelPath} does not run on a ${MODEL_INPUT_WIDTH}×${MODEL_INPUT_HEIGHT} picture: ${(err as Error).message}`);
  }
  return { session, manifest, sha256: actual, bytes };
}

/** The shared, verified model for `dir` (default: the committed model). */
export function loadQualityModel(dir: string = DEFAULT_MODEL_DIR): Promise<QualityModel> {
  const key = path.resolve(dir);
  let p = loaded.get(key);
  if (!p) {
    p = load(key);
    // A failed load is not cached, so fixing the files does not need a restart.
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}
