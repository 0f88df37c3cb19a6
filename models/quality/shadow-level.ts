// Chooses the quantile and level of the overexposure shadow rule (server/quality/shadow-floor.ts)
// on the TRAINING photographs only, by the procedure written in models/quality/EXPOSURE-RULE.md
// (third rule) before it ran: for each quantile q of the grid, L(q) is the highest code value with
// at least `keep` of the training renderer's overexposure defects at or above it; the q chosen
// leaves the most samples labelled not overexposed below its level (ties to the lower level).
//   npx tsx models/quality/shadow-level.ts [--per-source=110] [--out=FILE.json]
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import { shadowLevel } from "../../server/quality/shadow-floor";
import { walkTrainingPhotos } from "./training-photo-walk";

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().default(110),
  seed: z.coerce.number().int().default(20261122),
  keep: z.coerce.number().default(0.99),
  out: z.string().optional(),
});

const QUANTILES = [0.001, 0.005, 0.01, 0.02, 0.05] as const;

interface Item {
  sourceId: string;
  label: number | null;
  description: string;
  score: number;
  /** Code values 0…255, one per quantile. */
  levels: number[];
}

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const model = await loadQualityModel();
  const threshold = model.manifest.thresholds.overexposure;
  const oIndex = (model.manifest.outputs as readonly string[]).indexOf("overexposure");
  const items: Item[] = [];
  await walkTrainingPhotos(model, { perSource: args.perSource, seed: args.seed }, async (image) => {
    if (image.kind !== "sample") return;
    items.push({ sourceId: image.sourceId, label: image.labels.overexposure, description: image.description, score: image.scores[oIndex]!, levels: QUANTILES.map((q) => Math.round(shadowLevel(image.rgb, q) * 255)) });
  });
  if (args.out) writeFileSync(args.out, JSON.stringify({ quantiles: QUANTILES, threshold, items }, null, 1));

  const pos = items.filter((i) => i.label === 1);
  const neg = items.filter((i) => i.label === 0);
  console.log(`training overexposure defects ${pos.length} (refused today ${pos.filter((i) => i.score >= threshold).length}); not overexposed ${neg.length} (refused today ${neg.filter((i) => i.score >= threshold).length})`);
  const choices = QUANTILES.map((q, qi) => {
    const sorted = pos.map((i) => i.levels[qi]!).sort((a, b) => a - b);
    // Highest level L (code value) with at least `keep` of the defects at or above it.
    let L = 255;
    while (L > 0 && sorted.filter((v) => v >= L).length < args.keep * sorted.length) L--;
    const below = (i: Item) => i.levels[qi]! < L;
    const freed = neg.filter(below).length;
    console.log(
      `q${(q * 100).toFixed(1)}%: level ${L}/255 (sRGB ${(L / 255).toFixed(3)}); defects below it ${pos.filter(below).length}/${pos.length} ` +
        `(refused today and lost ${pos.filter((i) => i.score >= threshold && below(i)).length}); negatives below ${freed}/${neg.length} ` +
        `(refused today and freed ${neg.filter((i) => i.score >= threshold && below(i)).length}); defect levels min ${sorted[0]}, 1st pct ${sorted[Math.floor(0.01 * (sorted.length - 1))]}`,
    );
    return { q, L, freed };
  });
  const best = [...choices].sort((a, b) => b.freed - a.freed || a.L - b.L)[0]!;
  console.log(`chosen: quantile ${best.q}, level ${best.L}/255 = sRGB ${(best.L / 255).toFixed(4)}`);
}

await main();
