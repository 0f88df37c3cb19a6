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
import { INPUT_NAME, buildFeatureModel, buildQualityModel, predictHeads, type DefectHead } from "./build-model";
import { buildRows, featureSession, runModel, type Row } from "./dataset";
import { DEFECTS, OUTPUTS, type Defect, type Output } from "./defects";
import { INPUT_HEIGHT, INPUT_WIDTH } from "./feature-graph";
import { fetchSources } from "./fetch-sources";
import { bestF1Threshold, rocAuc, thresholdForFpr, type Scored } from "./metrics";
import { trainMlp, type Label } from "./mlp";
import { SEVERITY } from "./render-sample";

const logit = (p: number) => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().min(4).max(1000).default(110),
  out: z.string().default(import.meta.dirname),
  seed: z.coerce.number().int().default(20261122),
});

// One small head per defect. Blur heads see only sharpness, noise and brightness features:
// with 29 training photographs, colour and layout features let them memorise photographs
// instead of learning blur. They are also averaged over three seeds, which steadies them.
const SHARPNESS_FEATURES = /energy|ratio|angle|tile_log|direction|noise|lum_mean|lum_std/;
// The glare head sees brightness, clipping, dark-channel, colour and flat-tile features plus
// the shape and surroundings of the clipped region (glare_*), not sharpness or noise: with all
// features it learned "large clipped white area" and which photographs have one. Out of fold,
// this raised its ROC-AUC from 0.960 to 0.993 (see EVAL.md). Other heads do not see glare_*.
const GLARE_FEATURES = /^(glare_|lum_|frac_|dark_channel|white_tile|tile_lum|log_tile_std|tile_std|mean_)/;
const NOT_GLARE_SHAPE = /^(?!glare_)/;
interface HeadSpec {
  features: RegExp;
  hidden: number;
  weightDecay: number;
  ensemble: number;
}
const HEADS: Record<Defect, HeadSpec> = {
  motion_blur: { features: SHARPNESS_FEATURES, hidden: 16, weightDecay: 3e-3, ensemble: 3 },
  defocus: { features: SHARPNESS_FEATURES, hidden: 16, weightDecay: 3e-3, ensemble: 3 },
  underexposure: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  overexposure: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  glare: { features: GLARE_FEATURES, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  noise: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
  obstruction: { features: NOT_GLARE_SHAPE, hidden: 16, weightDecay: 1e-3, ensemble: 1 },
};
const COMMON = { epochs: 120, batchSize: 64, learningRate: 3e-3 };
const FOLDS = 4;
const MAX_FPR = 0.02;

function parseArgs() {
  const raw: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([\w-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unrecognised argument ${a} (expected --per-source=N, --out=DIR, --seed=N)`);
    raw[m[1]!.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = m[2]!;
  }
  return ArgsSchema.parse(raw);
}

function fitHead(rows: Row[], defect: Defect, featureIndices: number[], seed: number): DefectHead {
  const spec = HEADS[defect];
  const usable = rows.filter((r) => r.labels[defect] !== null);
  const pos = usable.filter((r) => r.labels[defect] === 1).length;
  const x = usable.map((r) => Float64Array.from(featureIndices, (i) => r.features[i]!));
  const y: Label[][] = usable.map((r) => [r.labels[defect]]);
  const members = Array.from({ length: spec.ensemble }, (_, e) =>
    trainMlp(x, y, {
      ...COMMON,
      hidden: spec.hidden,
      weightDecay: spec.weightDecay,
      seed: seed + 1000 * e,
      positiveWeight: [pos === 0 ? 1 : Math.min(4, Math.sqrt((usable.length - pos) / pos))],
    }),
  );
  return { featureIndices, members };
}

function fitAll(rows: Row[], indices: Record<Defect, number[]>, seed: number): DefectHead[] {
  return DEFECTS.map((d, k) => fitHead(rows, d, indices[d], seed + 17 * k));
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

  const indices = Object.fromEntries(
    DEFECTS.map((d) => [d, featureNames.flatMap((n, i) => (HEADS[d].features.test(n) ? [i] : []))]),
  ) as Record<Defect, number[]>;

  // Out-of-fold predictions: each photograph is scored by heads that never saw it.
  const ids = [...new Set(rows.map((r) => r.sourceId))];
  const foldOf = new Map(ids.map((id, i) => [id, i % FOLDS]));
  const oof: number[][] = new Array(rows.length);
  const half = DEFECTS.map(() => 0.5);
  for (let f = 0; f < FOLDS; f++) {
    const heads = fitAll(rows.filter((r) => foldOf.get(r.sourceId) !== f), indices, args.seed + f);
    rows.forEach((r, i) => {
      if (foldOf.get(r.sourceId) === f) oof[i] = predictHeads(heads, half, r.features);
    });
    log(`fold ${f + 1}/${FOLDS} trained`);
  }
  const thresholds = {} as Record<Output, number>;
  const cvAuc = {} as Record<Output, number>;
  DEFECTS.forEach((d, k) => {
    const items: Scored[] = rows.map((r, i) => ({ score: oof[i]![k]!, label: r.labels[d] }));
    // Seven detectors each wrong on a few percent of good photos add up to many needless
    // retakes, so no detector may flag more than MAX_FPR of the good out-of-fold samples.
    let t = Math.max(bestF1Threshold(items), thresholdForFpr(items, MAX_FPR));
    // Glare is confused only with photos that have clipped whites of their own (snow, clouds,
    // white fur, walls, cars), and most good photos have none, so a cap over all good samples
    // still flagged about one in six good photos with clipped whites. The cap also applies
    // among good samples with as much clipped white as the smallest glare defect.
    if (d === "glare") {
      const whites = rows.flatMap((r, i) =>
        r.labels.glare === 0 && r.baselines.clipped >= SEVERITY.glare.defectMinWashedFraction ? [{ score: oof[i]![k]!, label: 0 as const }] : [],
      );
      t = Math.max(t, thresholdForFpr(whites, MAX_FPR));
      log(`glare: ${whites.length} good samples with clipped whites >= ${SEVERITY.glare.defectMinWashedFraction * 100}% of the frame`);
    }
    thresholds[d] = Number(t.toFixed(4));
    cvAuc[d] = Number(rocAuc(items).toFixed(4));
  });
  // "overall" is over 0.5 exactly when some defect is over its threshold (see build-model.ts).
  thresholds.overall = 0.5;
  const defectThresholds = DEFECTS.map((d) => thresholds[d]);
  cvAuc.overall = Number(
    rocAuc(rows.map((r, i) => ({ score: Math.max(...DEFECTS.map((d, k) => logit(oof[i]![k]!) - logit(thresholds[d]))), label: r.labels.overall }))).toFixed(4),
  );
  log(`out-of-fold ROC-AUC ${JSON.stringify(cvAuc)}`);

  const heads = fitAll(rows, indices, args.seed + 100);
  const modelBytes = buildQualityModel(
    heads,
    defectThresholds,
    `Photo quality: fixed image operators (${featureNames.length} features) + one small MLP head per defect. ` +
      `Outputs, in order: ${OUTPUTS.join(", ")}. See models/quality/DATA.md and models/EVAL.md.`,
  );

  // The exported graph must reproduce the heads evaluated in TypeScript.
  const full = await featureSession(modelBytes);
  let diff = 0;
  for (const [mul, add] of [[37, 0], [5, 20], [0, 128]]) {
    const probe = await runModel(full, new Uint8Array(INPUT_WIDTH * INPUT_HEIGHT * 3).map((_, i) => (i * mul! + add!) % 256));
    const expected = predictHeads(heads, defectThresholds, probe.features);
    diff = Math.max(diff, ...expected.map((e, i) => Math.abs(e - probe.scores![i]!)));
  }
  if (diff > 1e-4) throw new Error(`ONNX heads disagree with the TypeScript heads by ${diff}`);
  log(`ONNX graph matches the trained heads (max difference ${diff.toExponential(1)})`);

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
      heads: Object.fromEntries(DEFECTS.map((d) => [d, { ...HEADS[d], features: HEADS[d].features.source, featureCount: indices[d].length }])),
      optimiser: { ...COMMON, algorithm: "Adam, cosine learning-rate decay, masked weighted binary cross-entropy" },
      thresholdRule: `max F1 on out-of-fold predictions (${FOLDS} folds grouped by photograph), raised where needed so that at most ${MAX_FPR * 100}% of good samples are flagged (for glare, also at most ${MAX_FPR * 100}% of the good samples whose clipped white pixels cover >= ${SEVERITY.glare.defectMinWashedFraction * 100}% of the frame)`,
      outOfFoldRocAuc: cvAuc,
    },
  });
  writeFileSync(path.join(args.out, "model.onnx"), modelBytes);
  writeFileSync(path.join(args.out, "thresholds.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(args.out, "model.sha256"), `${sha}  model.onnx\n`);
  log(`wrote ${path.join(args.out, "model.onnx")} (${modelBytes.length} bytes, sha256 ${sha})`);
}

await main();
