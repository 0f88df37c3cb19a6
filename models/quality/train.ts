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
import { parseCliArgs } from "./cli-args";
import { ModelManifestSchema, type ModelManifest } from "../../server/quality/model-manifest";
import { INPUT_NAME, buildFeatureModel, buildQualityModel, predictHeads } from "./build-model";
import { featureSession, runModel, type Row } from "./dataset";
import { DEFECTS, OUTPUTS, type Defect, type Output } from "./defects";
import { INPUT_HEIGHT, INPUT_WIDTH } from "./feature-graph";
import { fetchSources } from "./fetch-sources";
import { rocAuc, type Scored } from "./metrics";
import { cleanRejectRate, isPristine, maxF1CappedThresholds } from "./operating-points";
import { calibratedThresholds, outOfFoldCopyScores } from "./calibration";
import { COMMON, FOLDS, HEADS, fitAll, foldHeads, headFeatureIndices, photographFolds, predictOutOfFold } from "./heads";
import { SEVERITY } from "./render-sample";
import { cachedHardGoodRows, cachedTrainingRows, cachedWholeFrameRows } from "./row-cache";
import { WHOLE_FRAME_SIZES } from "./whole-frame-rows";

const logit = (p: number) => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().min(4).max(1000).default(110),
  out: z.string().default(import.meta.dirname),
  seed: z.coerce.number().int().default(20261122),
  /**
   * Clean hard scenes (haze, night; hard-good-samples.ts) per kind and training photograph.
   * 0 by default: with 3, the hard scenes were refused less on the cross-generator set but
   * underexposure and obstruction were detected less (models/EVAL.md), so the committed model
   * is built without them.
   */
  hardGood: z.coerce.number().int().min(0).max(50).default(0),
  /**
   * Which forms of each defect the renderer draws (render-sample.ts). "base" by default: with
   * "more" (2026-12-03) detection did not improve on the third generator and hard good scenes
   * were refused more (models/EVAL.md), so the committed model is built without them.
   */
  forms: z.enum(["base", "more"]).default("base"),
  /**
   * "capped": max F1 on the rendered samples, capped (below). "calibrated": then lowered where
   * whole training photographs, clean or mildly changed, judged out of fold as the server judges
   * them, allow (calibration.ts). "two-way": the same, and also raised where those copies are
   * refused more than the budget allows, for every defect but underexposure (TWO-WAY-RULE.md).
   */
  thresholds: z.enum(["capped", "calibrated", "two-way"]).default("capped"),
  /**
   * "yes": also train on the `candidate` photographs of sources.json (the whole-archive scan of
   * 2026-12-06, DATA.md). "no" by default: the committed model was trained without them.
   */
  candidates: z.enum(["no", "yes"]).default("no"),
  /**
   * "yes": also train on every training photograph's clean whole frames, cut into the server's
   * windows, as rows with no defect (whole-frame-rows.ts; the fourth trial of 2026-12-06).
   */
  wholeFrames: z.enum(["no", "yes"]).default("no"),
});

// Seven detectors each wrong on a few percent of good photos add up to many needless retakes,
// so no detector may flag more than MAX_FPR of its good out-of-fold samples.
const MAX_FPR = 0.02;
// Calibrated thresholds: each defect may refuse at most this share of the training photographs'
// clean and mildly changed copies (seven defects: at most 3.5% in all, under the issue's 5%).
const CALIBRATION_BUDGET = { perDefectCopies: 0.005 };
const CALIBRATION_HARD_GOOD_PER_KIND = 3;
const HARD_GOOD_SEED = 20261203;

async function main() {
  const args = parseCliArgs(ArgsSchema, "--per-source=N, --out=DIR, --seed=N, --hard-good=N, --forms=base|more, --candidates=no|yes, --whole-frames=no|yes, --thresholds=capped|calibrated|two-way");
  const t0 = performance.now();
  const log = (msg: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${msg}`);

  // The training sources and the held-out ones; the unseen-source split is never fetched here.
  const sources = fetchSources(args.candidates === "yes" ? ["train", "test", "candidate"] : ["train", "test"]);
  const train = sources.filter((s) => s.split === "train" || s.split === "candidate");
  log(`${train.length} training photographs (${sources.length - train.length} held out for evaluate.ts)`);

  const { bytes: featureBytes, featureNames } = buildFeatureModel();
  const session = await featureSession(featureBytes);
  let lastPct = -1;
  const rendered = await cachedTrainingRows(train, args.perSource, args.seed, session, (done, total) => {
    const pct = Math.floor((100 * done) / total);
    if (pct % 10 === 0 && pct !== lastPct) log(`rendered ${done}/${total} samples`);
    lastPct = pct;
  }, args.forms);
  log(`${rendered.rows.length} samples ${rendered.fromCache ? "read from" : "rendered and kept in"} ${path.relative(process.cwd(), rendered.file)}`);
  const hard = args.hardGood > 0 ? await cachedHardGoodRows(train, args.hardGood, HARD_GOOD_SEED, session) : null;
  if (hard) log(`${hard.rows.length} clean hard scenes (haze, night) ${hard.fromCache ? "read from" : "rendered and kept in"} ${path.relative(process.cwd(), hard.file)}`);
  const whole = args.wholeFrames === "yes" ? await cachedWholeFrameRows(train, session) : null;
  if (whole) log(`${whole.rows.length} clean whole-frame windows ${whole.fromCache ? "read from" : "made and kept in"} ${path.relative(process.cwd(), whole.file)}`);
  const rows = [...rendered.rows, ...(hard?.rows ?? []), ...(whole?.rows ?? [])];

  const indices = headFeatureIndices(featureNames);
  const foldOf = photographFolds(rows);
  const perFold = foldHeads(rows, indices, args.seed, (f) => log(`fold ${f + 1}/${FOLDS} trained`));
  const oof = predictOutOfFold(rows, foldOf, perFold);
  // Operating points: max F1 on these out-of-fold predictions, raised so that each defect flags
  // at most MAX_FPR of its negatives (glare also of the good samples with large clipped whites);
  // see operating-points.ts. Budgets on the CLEAN samples alone were studied on the same
  // predictions (operating-points-study.ts) and only raised thresholds: the clean training
  // samples sit next to the defect boundary by design (slight blur, small highlights, ±0.6 EV).
  const capped = maxF1CappedThresholds(rows, oof, MAX_FPR);
  let chosen = capped;
  let calibration: Record<string, unknown> | undefined;
  if (args.thresholds !== "capped") {
    const copies = await outOfFoldCopyScores(train, foldOf, perFold, session, (done, total) => done % 5 === 0 && log(`calibration: ${done}/${total} photographs judged`));
    const hardRows = await cachedHardGoodRows(train, CALIBRATION_HARD_GOOD_PER_KIND, HARD_GOOD_SEED, session);
    const hardScores = predictOutOfFold(hardRows.rows, foldOf, perFold);
    const budget = args.thresholds === "two-way" ? { ...CALIBRATION_BUDGET, mayRaise: DEFECTS.filter((d) => d !== "underexposure") } : CALIBRATION_BUDGET;
    chosen = calibratedThresholds(capped, copies, hardScores, budget);
    const refused = (scores: number[][], t: Record<Defect, number>) => scores.filter((s) => DEFECTS.some((d, k) => s[k]! >= t[d])).length;
    const copyScores = copies.map((c) => c.scores);
    log(`calibration: copies refused ${refused(copyScores, capped)} → ${refused(copyScores, chosen)} of ${copies.length}, hard scenes ${refused(hardScores, capped)} → ${refused(hardScores, chosen)} of ${hardScores.length}`);
    const perDefect = (scores: number[][], t: Record<Defect, number>) => JSON.stringify(Object.fromEntries(DEFECTS.map((d, k) => [d, scores.filter((x) => x[k]! >= t[d]).length])));
    log(`calibration: at the capped thresholds, copies refused per defect ${perDefect(copyScores, capped)}, hard scenes ${perDefect(hardScores, capped)}`);
    const byPhoto = new Map<string, number>();
    for (const c of copies) if (DEFECTS.some((d, k) => c.scores[k]! >= capped[d])) byPhoto.set(c.sourceId, (byPhoto.get(c.sourceId) ?? 0) + 1);
    log(`calibration: copies refused by photograph (of ${copies.length / train.length} each) ${JSON.stringify(Object.fromEntries(byPhoto))}`);
    log(`calibration: thresholds ${JSON.stringify(Object.fromEntries(DEFECTS.map((d) => [d, `${capped[d].toFixed(4)} → ${chosen[d].toFixed(4)}`])))}`);
    calibration = {
      copies: copies.length,
      hardScenes: hardScores.length,
      budgetPerDefect: CALIBRATION_BUDGET.perDefectCopies,
      direction: args.thresholds === "two-way" ? "lowered or raised (underexposure only lowered)" : "only lowered",
      cappedThresholds: Object.fromEntries(DEFECTS.map((d) => [d, Number(capped[d].toFixed(4))])),
    };
  }
  log(`out of fold: ${(cleanRejectRate(rows, oof, chosen) * 100).toFixed(1)}% of clean samples flagged, ${(cleanRejectRate(rows, oof, chosen, isPristine) * 100).toFixed(1)}% of those without slight degradations`);
  const thresholds = {} as Record<Output, number>;
  const cvAuc = {} as Record<Output, number>;
  DEFECTS.forEach((d, k) => {
    const items: Scored[] = rows.map((r, i) => ({ score: oof[i]![k]!, label: r.labels[d] }));
    thresholds[d] = Number(chosen[d].toFixed(4));
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
      ...(args.forms !== "base" ? { renderForms: args.forms } : {}),
      ...(whole ? { wholeFrames: { sizes: WHOLE_FRAME_SIZES.map(([w, h]) => `${w}×${h}`).join(", "), windows: whole.rows.length } } : {}),
      ...(hard ? { hardGoodScenes: { perKindAndPhotograph: args.hardGood, seed: HARD_GOOD_SEED, samples: hard.rows.length } } : {}),
      thresholdRule: `max F1 on out-of-fold predictions (${FOLDS} folds grouped by photograph), raised where needed so that at most ${MAX_FPR * 100}% of good samples are flagged (for glare, also at most ${MAX_FPR * 100}% of the good samples whose clipped white pixels cover >= ${SEVERITY.glare.defectMinWashedFraction * 100}% of the frame)${args.thresholds !== "capped" ? `; then each ${args.thresholds === "two-way" ? "moved (raised where needed, except underexposure, or lowered)" : "lowered"} to the lowest value at which it refuses at most ${CALIBRATION_BUDGET.perDefectCopies * 100}% of the training photographs' clean and mildly changed copies at 1600×1200 and 1920×1080, judged out of fold window by window as the server does, and no more of the clean hard scenes (haze, night) than before (models/quality/calibration.ts)` : ""}. Reasons are ordered by margin over threshold in logit units (server/quality/order-reasons.ts)`,
      outOfFoldRocAuc: cvAuc,
      ...(calibration ? { thresholdCalibration: calibration } : {}),
    },
  });
  writeFileSync(path.join(args.out, "model.onnx"), modelBytes);
  writeFileSync(path.join(args.out, "thresholds.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(args.out, "model.sha256"), `${sha}  model.onnx\n`);
  log(`wrote ${path.join(args.out, "model.onnx")} (${modelBytes.length} bytes, sha256 ${sha})`);
}

await main();
