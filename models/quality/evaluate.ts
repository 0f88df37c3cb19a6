// Evaluates the committed model on photographs it never saw and writes models/EVAL.md:
//   npx tsx models/quality/evaluate.ts
// Samples are rendered from the held-out ("test") photographs with their own seed, run through
// the server's preprocessing and the verified model file, and compared with simple baselines.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { assessPhoto } from "../../server/quality/assess-photo";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import type { BaselineScores } from "./baselines";
import { CROSS_MARKER_END, CROSS_MARKER_START } from "./cross-eval/markers";
import type { Row } from "./dataset";
import { orderReasons } from "../../server/quality/order-reasons";
import { DEFECTS, OUTPUTS, type Defect, type Output } from "./defects";
import { fetchSources } from "./fetch-sources";
import { precisionRecall, rocAuc, type Scored } from "./metrics";
import { SEVERITY } from "./render-sample";
import { cachedSampleRows } from "./sample-cache";

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().min(4).max(1000).default(100),
  seed: z.coerce.number().int().default(777),
  /**
   * Forms of each defect in the held-out samples (render-sample.ts): "more" by default, the
   * broader set (more than the committed model was trained on), so these figures also say how
   * it does on forms it never saw.
   */
  forms: z.enum(["base", "more"]).default("more"),
});

const BASELINES: Partial<Record<Output, { name: string; score: (b: BaselineScores) => number }>> = {
  motion_blur: { name: "variance of Laplacian", score: (b) => b.blur },
  defocus: { name: "variance of Laplacian", score: (b) => b.blur },
  underexposure: { name: "histogram: share of pixels with luminance < 0.2", score: (b) => b.dark },
  overexposure: { name: "histogram: share of pixels with luminance > 0.85", score: (b) => b.bright },
  glare: { name: "share of clipped white pixels", score: (b) => b.clipped },
  noise: { name: "Immerkaer global noise estimate", score: (b) => b.noise },
  obstruction: { name: "share of gradient-free 16x16 tiles", score: (b) => b.flat },
};

const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");

function parseArgs() {
  const raw: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([\w-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unrecognised argument ${a} (expected --per-source=N, --seed=N, --forms=base|more)`);
    raw[m[1]!.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = m[2]!;
  }
  return ArgsSchema.parse(raw);
}

async function main() {
  const args = parseArgs();
  const t0 = performance.now();
  const model = await loadQualityModel();
  const { manifest } = model;
  const sources = fetchSources();
  const test = sources.filter((s) => s.split === "test");
  const trainIds = new Set(z.array(z.string()).parse(manifest.training.trainingPhotographs));
  const leaked = test.filter((s) => trainIds.has(s.id));
  if (leaked.length > 0) throw new Error(`held-out photographs were used in training: ${leaked.map((s) => s.id).join(", ")}`);

  const rows: Row[] = await cachedSampleRows("heldout", test, args.perSource, args.seed, model.session, (done, total) => {
    if (done % 200 === 0 || done === total) console.log(`rendered ${done}/${total}`);
  }, args.forms);
  const score = (r: Row, o: Output) => r.scores![OUTPUTS.indexOf(o)]!;

  const lines: string[] = [];
  lines.push("| Output | Positives | Negatives | ROC-AUC | Precision | Recall | Threshold | Baseline | Baseline ROC-AUC | ≥ 0.95 and > baseline |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|---|---:|---|");
  const summary: Record<string, { auc: number; baseline: number }> = {};
  for (const o of OUTPUTS) {
    const items: Scored[] = rows.map((r) => ({ score: score(r, o), label: r.labels[o] }));
    const auc = rocAuc(items);
    const thr = manifest.thresholds[o];
    const pr = precisionRecall(items, thr);
    const b = BASELINES[o];
    const bAuc = b ? rocAuc(rows.map((r) => ({ score: b.score(r.baselines), label: r.labels[o] }))) : NaN;
    summary[o] = { auc, baseline: bAuc };
    const ok = auc >= 0.95 && (!b || auc > bAuc);
    lines.push(`| ${o} | ${pr.positives} | ${pr.negatives} | **${f(auc)}** | ${f(pr.precision)} | ${f(pr.recall)} | ${f(thr)} | ${b?.name ?? "—"} | ${f(bAuc)} | ${ok ? "yes" : "**no**"} |`);
  }

  // The verdict the server gives, against "has any defect".
  const rejected = (r: Row) => DEFECTS.some((d) => score(r, d) >= manifest.thresholds[d]) || score(r, "overall") >= manifest.thresholds.overall;
  const judged = rows.filter((r) => r.labels.overall !== null);
  const clean = judged.filter((r) => r.labels.overall === 0);
  const bad = judged.filter((r) => r.labels.overall === 1);
  const falseRejections = clean.filter(rejected).length;
  const caught = bad.filter(rejected).length;

  // Does the top reason name the defect that was applied (for single-defect samples)?
  const reasonRows: string[] = [];
  for (const d of DEFECTS) {
    const single = rows.filter((r) => r.labels[d] === 1 && DEFECTS.every((e) => e === d || r.labels[e] !== 1));
    const named = single.filter((r) => {
      // The server's own order of reasons (server/quality/order-reasons.ts).
      const scores = Object.fromEntries(DEFECTS.map((e) => [e, score(r, e)])) as Record<Defect, number>;
      return orderReasons(scores, manifest.thresholds as Record<Defect, number>, DEFECTS)[0] === d;
    }).length;
    reasonRows.push(`| ${d} | ${single.length} | ${f(single.length ? named / single.length : NaN)} |`);
  }

  // Unmodified held-out photographs through the full server path (validate, decode, model).
  const realRows: string[] = [];
  for (const s of test) {
    const a = await assessPhoto(readFileSync(s.file));
    const worst = DEFECTS.map((d) => [d, a.scores[d] / manifest.thresholds[d]] as const).sort((x, y) => y[1] - x[1])[0]!;
    realRows.push(`| ${s.id} | ${s.package} | ${a.image.width}×${a.image.height} | ${a.verdict} | ${a.reasons.map((r) => r.code).join(", ") || "—"} | ${worst[0]} ${f(worst[1], 2)} |`);
  }

  const sev = SEVERITY;
  const md = `# Photo-quality model: evaluation

Written by \`npx tsx models/quality/evaluate.ts\` on ${new Date().toISOString().slice(0, 10)} (${((performance.now() - t0) / 1000).toFixed(0)} s). Do not edit by hand.

- Model: \`models/quality/model.onnx\`, SHA-256 \`${model.sha256}\` (checked at load), ${manifest.training.samples as number} training samples from ${trainIds.size} photographs.
- Held-out set: ${rows.length} samples rendered (seed ${args.seed}, ${args.perSource} per photograph, ${args.forms === "more" ? "the renderer's broader forms of each defect (\`--forms=more\`, DATA.md), more than the committed model was trained on" : "the forms the committed model was trained on (\`--forms=base\`)"}) from the ${test.length} **test** photographs listed in \`models/quality/sources.json\`, none of which was used for training or for choosing thresholds (those came from out-of-fold predictions on the training photographs). Splits are by source photograph.
- Each sample goes through the same path as an upload: JPEG bytes → \`prepareModelInput\` (sharp, auto-orient, 640×480) → the model; baselines use the same 640×480 pixels.
- Labels follow the severities drawn (units at 640×480): a defect is **present** when motion blur ≥ ${sev.motion_blur.defectMinPx} px, defocus disc radius ≥ ${sev.defocus.defectMinRadiusPx} px, exposure ≤ ${sev.underexposure.defectMaxEv} EV or ≥ +${sev.overexposure.defectMinEv} EV, glare washes out ≥ ${sev.glare.defectMinWashedFraction * 100}% of the frame, noise σ ≥ ${sev.noise.defectMinSigma} (sRGB, mid-grey), or a finger covers ≥ ${sev.obstruction.defectMinFingerFraction * 100}% / the lens is covered / the frame is empty; **absent** when motion ≤ ${sev.motion_blur.acceptableMaxPx} px, defocus ≤ ${sev.defocus.acceptableMaxRadiusPx} px, exposure within ${sev.underexposure.acceptableMinEv}…+${sev.overexposure.acceptableMaxEv} EV, glare ≤ ${sev.glare.acceptableMaxWashedFraction * 100}%, noise σ ≤ ${sev.noise.acceptableMaxSigma}. Underexposure is also judged on the rendered frame, because "too dark" is absolute: **present** only if its mean linear luminance is also ≤ ${sev.underexposure.defectMaxMeanEv} EV from middle grey, **absent** only if it is also ≥ ${sev.underexposure.acceptableMinMeanEv} EV (a dark-mood original at its own exposure, or a bright one slightly darkened, is left unlabelled). The range in between is not generated (or, for measured glare, not labelled), so these numbers say how well the model separates clearly good from clearly bad photos, not how it behaves on borderline ones.

## Model

One ONNX graph (\`models/quality/model.onnx\`, input 640×480 RGB uint8, onnxruntime CPU, one thread): ${(manifest.training.features as string[]).length} fixed, named image features (Laplacian, Sobel and Immerkaer energies at 4 scales; fine/coarse energy ratios in the most textured tiles; a structure-tensor profile of blur across 8 directions, also with the estimated noise energy removed; soft luminance histogram, clipping, dark channel, bright flat tiles; flat/dark/reddish tiles near each edge; the shape of the clipped region — growth under dilation, survival under erosion, share on the frame's border — and the lifted blacks, brightness, contrast and saturation in rings around it), then one small MLP per defect (blur heads on sharpness, noise and brightness features only, averaged over 3 seeds; the glare head on brightness, clipping, dark-channel, colour, flat-tile and clipped-region features only). \`overall\` = sigmoid(max over defects of logit(score) − logit(threshold)), so it exceeds 0.5 exactly when some defect exceeds its threshold.

## Per defect (held-out samples)

${lines.join("\n")}

Precision and recall are at the committed thresholds (\`models/quality/thresholds.json\`).

## Server verdict (any defect over its threshold, or overall)

- Clean samples wrongly rejected: ${falseRejections} of ${clean.length} (${f((100 * falseRejections) / clean.length, 1)}%).
- Defective samples rejected: ${caught} of ${bad.length} (${f((100 * caught) / bad.length, 1)}%).

## Is the first reason the right one? (samples with exactly one defect)

| Defect | Samples | Share whose first reason names it |
|---|---:|---:|
${reasonRows.join("\n")}

## Unmodified held-out photographs (full server path)

These are the original files, not renders; all are usable photographs, so every rejection here is a false rejection (wallpapers often have a deliberately blurred background or dark mood).

| Photograph | Package | Oriented size | Verdict | Reasons | Highest score / threshold |
|---|---|---|---|---|---|
${realRows.join("\n")}

## Limits of this evaluation

- Defects are synthetic (rendered on real photographs): camera-shake kernels and straight box/ramp streaks, lens-disc defocus, exposure in linear light (hard clip or shoulder), flat-topped, bell-shaped and screened glare blobs and veils, correlated and independent per-pixel (Gaussian, photon) noise, a finger-like blob, dark or neutral objects from an edge (case, strap, sleeve), covered lens, empty frames; the held-out samples come from the same renderer as training, so the cross-generator section below is the test of generalisation. Real captures differ in ways not modelled (rolling shutter, phone denoising and HDR merging, real fingers, night scenes).
- ${rows.length} samples from ${test.length} photographs: with so few photographs, each AUC carries an uncertainty of a few hundredths.
- The photographs are mostly nature, landscape and household scenes from Debian wallpaper and sample packages, not car damage.
- **Thresholds checked on whole training photographs, tried on 2026-12-04 (issue 12), not adopted; the committed model is unchanged.** The capped max-F1 rule sets thresholds on rendered samples; the issue measures false rejects on clean and mildly changed photographs. \`train.ts --thresholds=calibrated\` (\`calibration.ts\`) takes that measure on the 29 TRAINING photographs, out of fold: each photograph's clean copy and its four mild changes at 1600×1200 and 1920×1080 (290 images, made by the same code as the cross-generator's clean and mild copies) are cut into the server's windows and scored by the heads of the fold that never saw the photograph, windows combined as the server does; the training's clean hard scenes (haze, night; 174) are scored the same way. Each threshold is then lowered to the lowest value at which its defect refuses at most 0.5% of those copies and no more hard scenes than before; none is raised. What it found: at the committed thresholds these out-of-fold verdicts refuse 49 of the 290 copies (17%), far more than the 2 of 125 (1.6%) the final model refuses among the held-out photographs' copies. 40 of the 49 are every copy of four photographs: OneStandsOut and Path (dark-mood wallpapers, 1.7–2.5 EV below middle grey, which the training's own label rule calls underexposed), life and BytheWater; the other 25 photographs lose at most 2 of 10 copies each (9 of 250, 3.6%). By defect: underexposure 20, noise 13, motion blur 10, obstruction 6, overexposure 2, glare 1; of the hard scenes, 82 of 174 (underexposure 64, nearly all night scenes; obstruction 15; glare 3). So on the training photographs there is no room under the budget to lower most thresholds: only defocus (0.693 → 0.442) and glare (0.9923 → 0.9872) moved. On the cross-generator set (read after the run): detection 183 → 184 of 250 on the third generator and 168 → 169 of 225 on the second, clean + mild refused 2 of 125 both, but hard good scenes refused 29 → 32 of 110 (26.4 → 29.1%: three more smooth close-ups, for defocus, at the lowered defocus threshold); by the adoption rule it was not adopted. What it shows: detection is not held back by over-cautious thresholds that whole photographs would allow lowering; and the held-out set's 1.6% false rejects rests on 11 photographs, while out of fold on 29 others, judged by heads trained on fewer photographs, whole photographs are refused far more often, mostly dark or noisy ones.
- **Same features, computed faster; the model retrained on 2026-12-04 (issue 12).** The phone runs the gate's model on its preview and the server runs it once per window, so the feature graph (\`feature-graph.ts\`) was rewritten without changing what any feature means: each scale's operator outputs are pooled into tiles in one pass of sums of squares over reshaped rows (no full-size squaring, pooling and mean), the mean Gx·Gy of a tile comes from two extra operator channels (Gx ± Gy: ((Gx+Gy)² − (Gx−Gy)²)/4) instead of a full-size product, the frame's mean energy is the mean of its tiles', and the channel maximum and minimum are an elementwise Max/Min of the three channels. On the 40 source photographs every feature agrees with the old graph to float rounding (largest relative difference 3.5·10⁻⁴, on a direction-sorted ratio near zero); a variant that also read the pixels in pairs by one MatMul was dropped because rounding flipped a steep clipped-region mask (a ring feature moved 11% on one photograph). Time per 640×480 window, the whole model, old and new interleaved on the same inputs, one core, quiet machine: onnxruntime-node 26.4 → 18.8 ms (median ratio 0.71, the 40 source photographs), onnxruntime-web's WebAssembly in Node 24.6 → 21.7 ms (0.88), in Chromium 28.4 → 24.7 ms, and 115 → 88 ms with the CPU throttled 4× (medians of 20 runs); the phone's live hints are still far from 100 ms at 4× (docs/BENCHMARKS.md). Float rounding is enough to move a seeded MLP's training, so \`train.ts\` (same seeds and rule) gave slightly different heads and thresholds (motion blur 0.886 → 0.892, defocus 0.683 → 0.693, overexposure 0.9927 → 0.9931, obstruction 0.957 → 0.954; the others identical; out-of-fold ROC-AUC within 0.001). Committed → retrained: held-out renderer samples, defective rejected 75.4 → 75.0%, clean wrongly rejected 20 of 303 both, motion-blur recall 0.397 → 0.381; third generator detection 72.8 → 73.2% (corner object 84 → 88%), first reason right 72.8 → 73.2%; second generator detection 71.6 → 74.7%, first reason right 69.8 → 72.9%; clean + mildly changed refused 0.8 → 1.6% (1 → 2 of 125: IMG_20200124_231153 at 1920×1080, 10% darker, now refused for obstruction); hard good scenes 26.4% both. This met the adoption rule used for the trials below (no detection or first-reason figure worse on either generator, clean + mild ≤ 5%, hard scenes not above 26.4%), read after the run; the figures above are the retrained model's. Run again from its cached rendered rows, \`train.ts\` wrote the same bytes.
- **Glare features of the washed-out region, tried on 2026-12-03 (issue 12), not adopted; the committed model is unchanged.** Reading why the third generator's glare spots are missed (detected 4%): measured against each clean copy, nearly all of them wash out 2–16% of the frame (the light replaces more than 45% of the scene, the training labels' own test) yet clip almost nothing (at most 2.8% of pixels newly at white, mostly 0–0.4%), while the glare head's shape and surround features (glare_*) describe only the clipped region. The trial (code on branch \`glare\`, commit 7f78a8e) adds the same 24 descriptions of a second region: tiles whose darkest pixel is lifted past sRGB 0.72 (linear 0.48) in every channel; the first 136 features are unchanged (checked: identical values). The adoption rule was written down before any figure was read: glare detection on the third generator up, and detection overall, first reason right, false rejects (clean + mild ≤ 5%, hard scenes not above 26.4%) and the second generator's detection not worse. (a) With \`--forms=glare\` (every form of glare in training, the base forms of the rest): out-of-fold glare ROC-AUC 0.982 (committed 0.993), glare threshold 0.9984; third generator glare spots 4 → 12%, radial flare 28 → 36% (ROC-AUC against clean + mild 0.806 → 0.894 and 0.835 → 0.872), but overall detection 72.8 → 68.0% (the changed draws retrained every head: edge band 80 → 52%, corner object 84 → 60%, overexposure 60 → 48%), hard good scenes refused 26.4 → 30.0% (fog refused for glare 0 → 4 of 22), second generator 71.6 → 68.0%. (b) The features alone, base forms (every other head and threshold came out identical to the committed model's, so only glare differs): out-of-fold glare ROC-AUC 0.986, and the cap over good samples with clipped whites raised the glare threshold to 0.9997, so glare detection fell (spots 0%, flare 8%, second generator's blobs 0%) while hard good scenes refused fell to 24.5%. Neither met the rule. What it shows: the washed-region features do rank the unseen glare better when training has glare that washes without clipping (a), but with 29 training photographs a retrained set of heads moves other defects by more than glare gains, and the 2% cap over bright good samples sets the glare threshold where the unseen glare scores (0.9–0.99) are refused only rarely.
- **More forms of each defect in the training renderer, tried on 2026-12-03 (issue 12), not adopted; the committed model is unchanged.** The cross-generator evaluation had shown independent Gaussian noise, screened glare blobs and dark blobs from an edge detected on 52%, 20% and 52% of images. The renderer (\`render-sample.ts\`, \`degrade/\`; DATA.md), given \`--forms=more\`, also draws independent per-pixel Gaussian and photon noise, bell-shaped and screened glare and veil-dominated flare, dark or neutral objects from an edge (case edge or corner, strap, sleeve), straight box and ramp motion streaks, and hard clipping or a shoulder with a knee at 0.6–0.9; severities and label rules are unchanged. Since the second generator's misses prompted these forms, a third generator (ImageMagick, \`cross-eval/third-generator.ts\`) was written before any model was judged on it; its figures are the independent ones. Retrained with them (\`train.ts --forms=more\`, same rule and seeds, 3190 samples, out-of-fold ROC-AUC motion blur 0.835 instead of 0.881, glare 0.978 instead of 0.993, obstruction 0.937 instead of 0.953; thresholds: glare 0.9995 instead of 0.9923, noise 0.737 instead of 0.875, overexposure 0.957 instead of 0.993, motion blur 0.917 instead of 0.886), model SHA-256 \`03f9fce9…\`. Cross-generator, all frames, committed → retrained: **third generator** detection 72.8% → 72.4% (motion 92 → 88%, overexposure 60 → 60%, underexposure 88 → 88%, glare spots 4 → 4%, radial flare 28 → 16%, Gaussian noise 92 → 92%, Poisson noise 100 → 100%, edge band 80 → 88%, corner object 84 → 88%), first reason right 72.8% → 72.0% (both models judged the same cached images; that cache's noise images had been drawn by ImageMagick without a seed, so they could not be made again byte for byte; the generator now seeds ImageMagick, and the cross-generator section below is on the seeded images); **second generator** detection 71.6% → 74.7% (noise 52 → 80%, dark blob 52 → 92%, underexposure 96 → 100%, but glare blobs 20 → 0%, overexposure 60 → 44%, motion streak 80 → 76%, skin blob 84 → 80%), first reason right 69.8% → 74.2%; false rejects of clean + mildly changed 0.8% → 0.0%; **hard good scenes 26.4% → 29.1%** (29 → 32 of 110: 10 newly refused — Wood's fog, high-key and backlit and IMG_20200124's two smooth close-ups for glare, Grey's night, high-key and backlit for motion blur or overexposure, the smooth close-ups of friends and picosdeeuropa — and 7 newly accepted). On the held-out renderer samples (the new renderer's, seed 777) the retrained model had glare recall 0.18 (threshold 0.9995; committed 0.33), motion-blur ROC-AUC 0.931 (committed 0.937), 5.6% of clean samples rejected (committed 6.6%) and refused the unmodified photograph Grey for motion blur (the committed model accepts all 11). Detection did not improve on the third generator and hard good scenes were refused more, so by the adoption rule set before the run the retrained model was not adopted; \`train.ts\` builds with \`--forms=base\` by default, which draws exactly what the committed model was trained on. The figures above this list are the committed model's on held-out samples with the broader forms (\`evaluate.ts\` now renders them with \`--forms=more\` by default), so they are not comparable with earlier versions of this file (its glare recall was 0.59 on the old renderer's flat-topped glare, 0.33 on the new forms). What the attempt suggests, not yet tried: adding forms made the glare and motion tasks harder for the same features and heads, and the 2% caps then pushed those thresholds up; the glare detector's features describe a compact clipped region, and soft bell-shaped or screened glare (whose centre may not clip) is where both generators' glare is missed.
- **Operating points studied on 2026-12-03 (issue 12); only the order of reasons changed.** The out-of-fold predictions of \`train.ts\` are now reproducible without re-rendering (rendered rows cached in \`models/.cache\`; rebuilt from them, \`model.onnx\` came out byte-identical). \`operating-points-study.ts\` compares rules on those predictions alone (3190 samples, 862 clean, 1841 with one defect). The committed rule (max F1, capped at 2% of each defect's negatives) flags 13.7% of the clean out-of-fold samples. Budgets on the clean samples only (3% or 4% in all, an equal share per defect, glare and overexposure also capped among clean samples with clipped whites) and on the clean samples without slight degradations (no slight blur, highlights or fingertip) all RAISED thresholds (4% in all: overexposure 1.000, noise 0.994, obstruction 0.997) and lowered recall; dropping max F1 (cap only) flagged 16.0% of clean samples. The clean training samples sit next to the defect boundary by design (slight blur ≤ 1.3 px, ±0.6 EV, small highlights), so false alarms out of fold are far more frequent than on clean photographs (13.7% against 0.8% on the cross-generator clean copies), and a false-reject budget set on them cannot lower thresholds honestly. Reasons: first reason right out of fold, single-defect samples: score/threshold 60.8%, margin over threshold in log-odds 64.8%, per-defect Platt calibration 61.7% (fitted on the same predictions); the log-odds margin was adopted (\`server/quality/order-reasons.ts\`). On the saved cross-generator scores, read after these choices and changing none: the budgets would have cut detection to 53–59%, and the new order leaves detection at 71.6% and first reason right at 69.8% — there the first reason is wrong almost only where no reason is given at all, so what is short is detection under the second generator (scores rank well, ROC-AUC 0.93–1.00, but land under thresholds set on the training renderer), not the rule.
- **Retraining with clean hard scenes tried on 2026-12-03, not adopted.** \`train.ts --hard-good=3\` adds 174 clean haze and night samples from the training photographs (\`hard-good-samples.ts\`, DATA.md) with the same rule. On the cross-generator set: hard good scenes refused 13.6% instead of 26.4% (night 3 of 22 instead of 16, fog 0 instead of 2), but clean + mildly changed 2.4% instead of 0.8%, detection 68.0% instead of 71.6% (underexposure 68% instead of 96%, skin-coloured blobs 60% instead of 84%, dark blobs 44% instead of 52%; overexposure 84% instead of 60%). It trades one miss for others, so the committed model is the one without them. This choice was made after reading those cross-generator figures (the evaluation set informed one yes/no decision).
- **Glare detector changed on 2026-12-02.** Before, the glare head used all 112 features and learned "large clipped white area": out of fold on the training photographs its ROC-AUC was 0.960 (recall 0.35 at its threshold), on this held-out set 0.966 against the clipped-pixel baseline's 0.958 with recall 0.19, and \`mountain-glare.jpg\` was not refused. Glare is light added over the scene: a compact, filled blob, mostly inside the frame, whose veil lifts the blacks and lowers contrast and saturation around it; a white object (snow, cloud, fur) is clipped in ragged, scattered or elongated patches, often running into the frame's border, with the scene's own contrast next to it. 24 features now describe the clipped region's shape (growth under dilation by 2–20 tiles of 8 px, survival under erosion, share on the frame's border) and four rings around it (lifted blacks, brightness, contrast, saturation), and the glare head sees only these and the brightness, clipping, dark-channel, colour and flat-tile features (62 in all); the other heads do not see the new features and are unchanged (same out-of-fold figures and thresholds). Out-of-fold glare ROC-AUC on the training photographs (same samples and folds as \`train.ts\`), which is what every choice here was made on: all 112 features 0.960; the restricted set alone 0.966; all 112 plus the new ones 0.989; restricted plus new 0.993 (without the shape features 0.980, without the rings 0.989). Tried and not adopted: the smoothness of the lifted blacks and of brightness near the clipped area (no gain), glare-free overexposed samples as glare negatives (0.990), averaging 3 seeds (same). An earlier attempt (2026-11-22: texture, contrast, dark channel and saturation on one ring of tiles, with all features) had reached 0.967.
- **Glare threshold rule changed on 2026-12-02, prompted by a fixture.** With the rule of the other defects (max F1, raised so that at most 2% of good out-of-fold samples are flagged) the new head's threshold was 0.858, and the committed-model check of the fixtures then refused \`mountain-sharp.jpg\` (clouds and snow, glare 0.874) while refusing \`mountain-glare.jpg\` (0.9998) and accepting \`phone-exif-gps.jpg\` (0.003). Looking into it on the training photographs: most good samples have no clipped whites at all, so a 2% cap over all of them says little about the ones glare can be confused with, and out of fold that threshold flagged about 26 of the 163 good samples whose clipped white pixels (all channels ≥ 250) cover at least 2% of the frame (the old head at its threshold: 25 of 163). The glare threshold is now also capped at 2% of those 163: 0.992, with out-of-fold recall about 0.6 and precision 0.98 (the old head under this rule: recall 0.06). The head itself was not changed by this. The rule comes from the training photographs, but the decision to look was informed by the held-out fixtures, once. On this held-out set the change of glare head and threshold together raised glare recall from 0.19 to about 0.59 and clean samples wrongly rejected from 15 to 18 of 315 (4.8% to 5.7%); these held-out figures were read only after both choices were made, and changed neither. The good samples scoring highest are real light sources in the frame (the sun in \`sunset\`, lit lamp globes in \`free\`) and the blown-out white background behind the bird in \`Kleiber\`: a real light source in the picture looks like glare to the head, and such photos may be refused. White cars and walls are still missing from the data: \`ukui-wallpapers\` was checked again (all 12 images are illustrations or renders) and no other Debian package with real photographs of clipped whites was found.
- **Underexposure labels changed on 2026-11-22.** Before, exposure labels were relative to the source photograph only, and dark-mood wallpapers shown at their own exposure (OneStandsOut, Path: mean luminance 1.7–2.5 EV below middle grey) counted as good; they held the threshold (2% of good out-of-fold samples) at 0.990, and the −3 EV fixture \`dogs-dark.jpg\` was not refused. Labels now also require the rendered frame's absolute mean luminance to agree (see the label definition above), so underexposure figures are not comparable with earlier versions of this file (fewer, clearer positives and negatives). The limits (−1.2 / −2 EV) come from the relative limits and the mean luminance of the training photographs, not from the fixtures or the held-out set; but the change was prompted by the −3 EV fixture. With absolute labels the histogram baseline also ranks almost perfectly; what the change fixed is the threshold (recall at the 2% cap), not the ranking. Reasons are ordered by score over threshold, and the underexposure threshold is now much lower, so dark obstructions (a covered lens, a finger in shadow) are often named first as underexposure: the obstruction head and threshold are unchanged and obstruction is still among the reasons where it was before, but the share of single-defect obstruction samples whose first reason names it fell from 0.619 to 0.483. Overexposure recall is still limited by the cap.
- **Threshold rule changed after a first evaluation.** The first model used max-F1 thresholds per defect; on this held-out set it wrongly rejected 27.4% of clean samples and 4 of the 11 unmodified photographs (3 for glare, 1 for motion blur). The rule was then changed to cap each defect's false alarms at 2% of good out-of-fold training samples, and the model retrained (same samples and heads, same AUCs; only thresholds changed). The choice of rule was therefore informed by this held-out set once.
`;
  // Keep the cross-generator section (written by cross-evaluate.ts) when rewriting the file.
  const evalPath = path.resolve(import.meta.dirname, "../EVAL.md");
  const previous = existsSync(evalPath) ? readFileSync(evalPath, "utf8") : "";
  const i = previous.indexOf(CROSS_MARKER_START), j = previous.indexOf(CROSS_MARKER_END);
  const cross = i >= 0 && j > i ? `\n${previous.slice(i, j + CROSS_MARKER_END.length)}\n` : "";
  writeFileSync(evalPath, md + cross);
  console.log(md);
  console.log(JSON.stringify(summary));
}

await main();
