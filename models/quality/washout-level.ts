// Chooses the washed-out rule's shadow percentile p, white share C and shadow level B
// (server/quality/washed-out.ts) on the TRAINING photographs only (split "train" of
// sources.json), never on the held-out or cross-generator images. Procedure fixed before it was
// run: models/quality/EXPOSURE-RULE.md, second rule.
//   - overexposure defects: the training renderer's own samples (render-sample.ts, the committed
//     model's samples: same seed, 110 per photograph, base forms) labelled overexposed;
//   - good items: the samples with no defect at all, and hard-good-samples.ts's clean haze and
//     night scenes; other-defect items: samples not overexposed but with some other defect.
// For each (p, C), B is the lowest code value that keeps at most 0.5% of the good items and 2% of
// the other-defect items washed out; the (p, C) chosen catches the most overexposure defects the
// model does not refuse for overexposure; ties go to the higher C, then the higher B.
//   npx tsx models/quality/washout-level.ts [--out=FILE.json]
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import { prepareModelInput } from "../../server/quality/prepare-model-input";
import { WHITE_CODE, channelExtremaHistograms, histogramPercentile, shareAtOrAbove } from "../../server/quality/washed-out";
import { runModel, sampleRng } from "./dataset";
import { fetchSources } from "./fetch-sources";
import { HARD_GOOD_KINDS, hardGoodRng, renderHardGood } from "./hard-good-samples";
import { loadSource, renderSample } from "./render-sample";

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().default(110),
  seed: z.coerce.number().int().default(20261122),
  hardGood: z.coerce.number().int().default(10),
  hardGoodSeed: z.coerce.number().int().default(20261203),
  goodBudget: z.coerce.number().default(0.005),
  otherBudget: z.coerce.number().default(0.02),
  out: z.string().optional(),
});

const PERCENTILES = [0.005, 0.01, 0.02, 0.05] as const;
const WHITE_SHARES = [0.05, 0.1, 0.15, 0.2, 0.3] as const;

interface Item {
  kind: "sample" | "haze" | "night";
  sourceId: string;
  overexposureLabel: number | null;
  /** Every label 0 (or a clean hard scene). */
  good: boolean;
  description: string;
  overexposureScore: number;
  whiteShare: number;
  /** Shadow level (code value) at each of PERCENTILES. */
  shadows: number[];
}

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const model = await loadQualityModel();
  const threshold = model.manifest.thresholds.overexposure;
  const oIndex = (model.manifest.outputs as readonly string[]).indexOf("overexposure");
  const train = fetchSources().filter((s) => s.split === "train");
  const trainIds = new Set(model.manifest.training.trainingPhotographs as string[]);
  if (train.length !== trainIds.size || train.some((s) => !trainIds.has(s.id))) throw new Error("train split differs from the model's training photographs");
  const items: Item[] = [];
  const judge = async (jpeg: Buffer) => {
    const { rgb } = await prepareModelInput(jpeg);
    const { scores } = await runModel(model.session, rgb);
    const h = channelExtremaHistograms(rgb);
    return {
      overexposureScore: scores![oIndex]!,
      whiteShare: shareAtOrAbove(h.min, h.pixels, WHITE_CODE),
      shadows: PERCENTILES.map((p) => histogramPercentile(h.max, h.pixels, p)),
    };
  };
  const t0 = performance.now();
  for (const [s, src] of train.entries()) {
    const image = await loadSource(src.id, src.file);
    for (const kind of HARD_GOOD_KINDS) {
      for (let j = 0; j < args.hardGood; j++) {
        const hg = await renderHardGood(image, kind, hardGoodRng(args.hardGoodSeed, s, kind, j));
        items.push({ kind, sourceId: src.id, overexposureLabel: 0, good: true, description: hg.description, ...(await judge(hg.jpeg)) });
      }
    }
    for (let k = 0; k < args.perSource; k++) {
      const sample = await renderSample(image, sampleRng(src.id, args.seed, k), "base");
      const good = Object.values(sample.labels).every((v) => v === 0);
      items.push({ kind: "sample", sourceId: src.id, overexposureLabel: sample.labels.overexposure, good, description: sample.description, ...(await judge(sample.jpeg)) });
    }
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${src.id}: ${items.length} items`);
  }
  if (args.out) writeFileSync(args.out, JSON.stringify({ percentiles: PERCENTILES, whiteShares: WHITE_SHARES, threshold, items }, null, 1));

  const pos = items.filter((i) => i.kind === "sample" && i.overexposureLabel === 1);
  const missed = pos.filter((i) => i.overexposureScore < threshold);
  const good = items.filter((i) => i.good);
  const other = items.filter((i) => i.kind === "sample" && !i.good && i.overexposureLabel === 0);
  console.log(
    `training overexposure defects ${pos.length} (refused today ${pos.length - missed.length}); good items ${good.length} ` +
      `(samples ${good.filter((i) => i.kind === "sample").length}, haze ${good.filter((i) => i.kind === "haze").length}, night ${good.filter((i) => i.kind === "night").length}); other-defect items ${other.length}`,
  );
  const choices: { p: number; C: number; B: number; caught: number }[] = [];
  for (const [pi, p] of PERCENTILES.entries()) {
    for (const C of WHITE_SHARES) {
      const washed = (i: Item, B: number) => i.whiteShare >= C && i.shadows[pi]! >= B;
      // Lowest B (code value) within both budgets; 256 means "never".
      let B = 0;
      while (B <= 255 && (good.filter((i) => washed(i, B)).length > args.goodBudget * good.length || other.filter((i) => washed(i, B)).length > args.otherBudget * other.length)) B++;
      const caught = missed.filter((i) => washed(i, B)).length;
      choices.push({ p, C, B, caught });
      console.log(
        `p${(p * 100).toFixed(1)} C ${C}: B ${B}/255; catches ${caught}/${missed.length} missed defects (all defects washed ${pos.filter((i) => washed(i, B)).length}/${pos.length}); ` +
          `good washed ${good.filter((i) => washed(i, B)).length}/${good.length} (haze ${good.filter((i) => i.kind === "haze" && washed(i, B)).length}, night ${good.filter((i) => i.kind === "night" && washed(i, B)).length}); ` +
          `other-defect washed ${other.filter((i) => washed(i, B)).length}/${other.length}`,
      );
    }
  }
  const best = [...choices].sort((a, b) => b.caught - a.caught || b.C - a.C || b.B - a.B)[0]!;
  console.log(`chosen: shadow percentile ${best.p}, white share ${best.C}, shadow level ${best.B}/255 = sRGB ${(best.B / 255).toFixed(4)}`);
}

await main();
