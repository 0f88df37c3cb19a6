// One command builds the photo-quality model from scratch:
//   npx tsx models/quality/train.ts
// 1. fetch and verify the source photographs (Debian packages, see DATA.md),
// 2. render labelled samples from the TRAIN photographs only and compute their fixed features,
// 3. choose decision thresholds on out-of-fold predictions (4 folds grouped by photograph),
// 4. train the final head on all training photographs, write model.onnx, thresholds.json
//    and model.sha256. Everything is seeded: the same inputs give the same bytes.
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { ModelManifestSchema, type ModelManifest } from "../../server/quality/model-manifest";
import { INPUT_NAME, buildFeatureModel, buildQualityModel } from "./build-model";
import { buildRows, featureSession, runModel, type Row } from "./dataset";
import { OUTPUTS, type Output } from "./defects";
import { INPUT_HEIGHT, INPUT_WIDTH } from "./feature-graph";
import { fetchSources } from "./fetch-sources";
import { bestF1Threshold, rocAuc, type Scored } from "./metrics";
import { predictMlp, trainMlp, type Label, type MlpParams, type TrainOptions } from "./mlp";
import { SEVERITY } from "./render-sample";

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().min(4).max(1000).default(110),
  out: z.string().default(import.meta.dirname),
  seed: z.coerce.number().int().default(20261122),
});

const HEAD: Omit<TrainOptions, "seed" | "positiveWeight"> = {
  hidden: 32,
  epochs: 120,
  batchSize: 64,
  learningRate: 3e-3,
  weightDecay: 3e-4,
};
const FOLDS = 4;

function parseArgs() {
  const raw: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([\w-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unrecognised argument ${a} (expected --per-source=N, --out=DIR, --seed=N)`);
    raw[m[1]!.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = m[2]!;
  }
  return ArgsSchema.parse(raw);
}

function labelsOf(rows: Row[]): Label[][] {
  return rows.map((r) => OUTPUTS.map((o) => r.labels[o]));
}

function positiveWeights(rows: Row[]): number[] {
  return OUTPUTS.map((o) => {
    const pos = rows.filter((r) => r.labels[o] === 1).length;
    const neg = rows.filter((r) => r.labels[o] === 0).length;
    return pos === 0 ? 1 : Math.min(4, Math.sqrt(neg / pos));
  });
}

function fit(rows: Row[], seed: number): MlpParams {
  return trainMlp(rows.map((r) => r.features), labelsOf(rows), { ...HEAD, seed, positiveWeight: positiveWeights(rows) });
}

async function main() {
  const args = parseArgs();
  const t0 = performance.now();
  const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${msg}`);

  const sources = fetchSources();
  const train = sources.filter((s) => s.split === "train");
  log(`${train.length} training photographs (${sources.length - train.length} held out for evaluate.ts)`);

  const { bytes: featureBytes, featureNames } = buildFeatureModel();
  const session = await featureSession(featureBytes);
  let lastPct = -1;
  const rows = await buildRows(train, args.perSource, args.seed, session, (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct % 10 === 0 && pct !== lastPct) log(`rendered ${done}/${total} samples`);
    lastPct = pct;
  });

  // Out-of-fold predictions: each photograph is scored by a head that never saw it.
  const ids = [...new Set(rows.map((r) => r.sourceId))];
  const foldOf = new Map(ids.map((id, i) => [id, i % FOLDS]));
  const oof: number[][] = new Array(rows.length);
  for (let f = 0; f < FOLDS; f++) {
    const fitRows = rows.filter((r) => foldOf.get(r.sourceId) !== f);
    const head = fit(fitRows, args.seed + f);
    rows.forEach((r, i) => {
      if (foldOf.get(r.sourceId) === f) oof[i] = predictMlp(head, r.features);
    });
    log(`fold ${f + 1}/${FOLDS} trained on ${fitRows.length} samples`);
  }
  const thresholds = {} as Record<Output, number>;
  const cvAuc = {} as Record<Output, number>;
  OUTPUTS.forEach((o, k) => {
    const items: Scored[] = rows.map((r, i) => ({ score: oof[i]![k]!, label: r.labels[o] }));
    thresholds[o] = Number(bestF1Threshold(items).toFixed(4));
    cvAuc[o] = Number(rocAuc(items).toFixed(4));
  });
  log(`out-of-fold ROC-AUC ${JSON.stringify(cvAuc)}`);

  const head = fit(rows, args.seed + 100);
  const modelBytes = buildQualityModel(
    head,
    `Photo quality: fixed image operators (${featureNames.length} features) + MLP(${HEAD.hidden}) head. ` +
      `Outputs, in order: ${OUTPUTS.join(", ")}. See models/quality/DATA.md and models/EVAL.md.`,
  );

  // The exported graph must reproduce the head evaluated in TypeScript.
  const full = await featureSession(modelBytes);
  let diff = 0;
  for (const [mul, add] of [[37, 0], [5, 20], [0, 128]]) {
    const probe = await runModel(full, new Uint8Array(INPUT_WIDTH * INPUT_HEIGHT * 3).map((_, i) => (i * mul! + add!) % 256));
    const expected = predictMlp(head, probe.features);
    diff = Math.max(diff, ...expected.map((e, i) => Math.abs(e - probe.scores![i]!)));
  }
  if (diff > 1e-4) throw new Error(`ONNX head disagrees with the TypeScript head by ${diff}`);
  log(`ONNX graph matches the trained head (max difference ${diff.toExponential(1)})`);

  const sha = createHash("sha256").update(modelBytes).digest("hex");
  const manifest: ModelManifest = ModelManifestSchema.parse({
    model: "model.onnx",
    modelSha256: sha,
    input: { name: INPUT_NAME, layout: "NHWC uint8 sRGB", width: INPUT_WIDTH, height: INPUT_HEIGHT },
    outputs: [...OUTPUTS],
    thresholds,
    severity: SEVERITY,
    training: {
      command: "npx tsx models/quality/train.ts",
      seed: args.seed,
      samplesPerPhotograph: args.perSource,
      trainingPhotographs: train.map((s) => s.id),
      samples: rows.length,
      features: featureNames,
      head: HEAD,
      thresholdRule: `max F1 on out-of-fold predictions (${FOLDS} folds grouped by photograph)`,
      outOfFoldRocAuc: cvAuc,
    },
  });
  writeFileSync(path.join(args.out, "model.onnx"), modelBytes);
  writeFileSync(path.join(args.out, "thresholds.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(args.out, "model.sha256"), `${sha}  model.onnx\n`);
  log(`wrote ${path.join(args.out, "model.onnx")} (${modelBytes.length} bytes, sha256 ${sha})`);
}

await main();
