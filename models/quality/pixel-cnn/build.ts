// One command builds the pixel model (issue 12, item 4: a small convolutional network on the
// model's 640×480 pixels, for comparison with the committed feature model on the same samples
// and the same evaluations):
//   npx tsx models/quality/pixel-cnn/build.ts [--out=DIR]
// 1. render the committed model's training samples as pixels (render-pixels.ts, two processes),
// 2. train two networks, each on half the training photographs, scoring the other half (train.py),
// 3. thresholds on those out-of-fold scores by the committed model's rule (max F1 capped at 2%
//    false alarms per defect, operating-points.ts),
// 4. one ONNX graph averaging the two networks (export.py), checked here with onnxruntime,
//    and its manifest. The out dir then serves as `cross-evaluate.ts --model-dir`.
// Training needs PyTorch for Debian's python3 (`apt-get install python3-torch`); the product
// does not: it runs the ONNX graph with onnxruntime-node like any other model.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import { ModelManifestSchema } from "../../../server/quality/model-manifest";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../../server/quality/prepare-model-input";
import { parseCliArgs } from "../cli-args";
import { featureSession, type Row } from "../dataset";
import { DEFECTS, OUTPUTS, type Output } from "../defects";
import { rocAuc, precisionRecall } from "../metrics";
import { cleanRejectRate, maxF1CappedThresholds } from "../operating-points";
import { SEVERITY } from "../render-sample";
import { pixelCacheDir } from "./render-pixels";
import { PIXEL_TRAINING } from "./training-set";

const HERE = import.meta.dirname;
const PYTHON = "/usr/bin/python3";
const MAX_FPR = 0.02;

const ArgsSchema = z.object({
  out: z.string().default(path.resolve(HERE, "../../.cache/pixel-model")),
  /** "no": keep the networks and out-of-fold scores already in --out (thresholds and export only). */
  train: z.enum(["yes", "no"]).default("yes"),
});

function runLogged(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(args[0] ?? cmd)} exited with ${code}`))));
  });
}

async function main() {
  const args = parseCliArgs(ArgsSchema, "--out=DIR, --train=yes|no");
  const t0 = performance.now();
  const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${msg}`);
  try {
    execFileSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" });
  } catch {
    throw new Error(`${PYTHON} cannot import torch: run 'apt-get install python3-torch' (training only; the product does not need it)`);
  }
  const cache = pixelCacheDir();
  const SHARDS = 2;
  await Promise.all(Array.from({ length: SHARDS }, (_, i) => runLogged("npx", ["--no-install", "tsx", path.join(HERE, "render-pixels.ts"), `--shard=${i}`, `--shards=${SHARDS}`])));
  log(`training samples rendered in ${cache}`);
  mkdirSync(args.out, { recursive: true });
  if (args.train === "yes") {
    await runLogged(PYTHON, [path.join(HERE, "train.py"), cache, args.out]);
    log("networks trained");
  }

  const index = readdirSync(cache)
    .filter((f) => /^index-\d+-of-\d+\.json$/.test(f))
    .flatMap((f) => JSON.parse(readFileSync(path.join(cache, f), "utf8")) as (Omit<Row, "features"> & { k: number })[]);
  const byKey = new Map(index.map((s) => [`${s.sourceId}/${s.k}`, s]));
  const oofFile = JSON.parse(readFileSync(path.join(args.out, "oof.json"), "utf8")) as { samples: { sourceId: string; k: number }[]; scores: number[][]; training: Record<string, unknown> };
  const rows: Row[] = oofFile.samples.map((s) => ({ ...byKey.get(`${s.sourceId}/${s.k}`)!, features: new Float64Array(0) }));
  const oof = oofFile.scores;
  const chosen = maxF1CappedThresholds(rows, oof, MAX_FPR);
  const thresholds = {} as Record<Output, number>;
  const cvAuc = {} as Record<Output, number>;
  DEFECTS.forEach((d, k) => {
    const items = rows.map((r, i) => ({ score: oof[i]![k]!, label: r.labels[d] }));
    thresholds[d] = Number(chosen[d].toFixed(4));
    cvAuc[d] = Number(rocAuc(items).toFixed(4));
    const pr = precisionRecall(items, thresholds[d]);
    log(`out of fold ${d}: ROC-AUC ${cvAuc[d].toFixed(3)}, threshold ${thresholds[d]}, recall ${pr.recall.toFixed(2)}, precision ${pr.precision.toFixed(2)}`);
  });
  thresholds.overall = 0.5;
  // cleanRejectRate is the share of the rows its predicate picks that some defect flags: clean by default, here also defective.
  const defectiveFlagged = cleanRejectRate(rows, oof, chosen, (r) => r.labels.overall === 1);
  log(`out of fold: ${(cleanRejectRate(rows, oof, chosen) * 100).toFixed(1)}% of clean samples flagged, ${(defectiveFlagged * 100).toFixed(1)}% of defective samples flagged`);
  const thresholdsFile = path.join(args.out, "defect-thresholds.json");
  writeFileSync(thresholdsFile, JSON.stringify(Object.fromEntries(DEFECTS.map((d) => [d, thresholds[d]]))));

  await runLogged(PYTHON, [path.join(HERE, "export.py"), args.out, thresholdsFile]);
  const modelBytes = readFileSync(path.join(args.out, "model.onnx"));
  // onnxruntime must give what PyTorch gave on the same inputs.
  const session = await featureSession(modelBytes);
  const probes = JSON.parse(readFileSync(path.join(args.out, "probes.json"), "utf8")) as { mul: number; add: number; scores: number[] }[];
  let diff = 0;
  for (const p of probes) {
    const rgb = new Uint8Array(MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3).map((_, i) => (i * p.mul + p.add) % 256);
    const out = await session.run({ rgb: new ort.Tensor("uint8", rgb, [1, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, 3]) });
    const got = Array.from(out.scores!.data as Float32Array);
    diff = Math.max(diff, ...got.map((g, i) => Math.abs(g - p.scores[i]!)));
  }
  if (diff > 1e-4) throw new Error(`onnxruntime disagrees with PyTorch by ${diff}`);
  log(`ONNX graph matches PyTorch (max difference ${diff.toExponential(1)})`);

  const sha = createHash("sha256").update(modelBytes).digest("hex");
  const manifest = ModelManifestSchema.parse({
    model: "model.onnx",
    modelSha256: sha,
    input: { name: "rgb", layout: "NHWC uint8 sRGB", width: MODEL_INPUT_WIDTH, height: MODEL_INPUT_HEIGHT },
    outputs: [...OUTPUTS],
    thresholds,
    severity: SEVERITY,
    training: {
      command: "npx tsx models/quality/pixel-cnn/build.ts",
      kind: "pixel CNN (models/quality/pixel-cnn/net.py), two networks on halves of the training photographs, logits averaged",
      ...PIXEL_TRAINING,
      trainingPhotographs: [...new Set(rows.map((r) => r.sourceId))],
      samples: rows.length,
      ...oofFile.training,
      thresholdRule: `max F1 on out-of-fold predictions (2 halves of the heads' folds, grouped by photograph), raised where needed so that at most ${MAX_FPR * 100}% of good samples are flagged (glare also of those with clipped whites), as the committed model`,
      outOfFoldRocAuc: cvAuc,
    },
  });
  writeFileSync(path.join(args.out, "thresholds.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(args.out, "model.sha256"), `${sha}  model.onnx\n`);
  log(`wrote ${args.out} (model ${modelBytes.length} bytes, sha256 ${sha})`);
}

await main();
