// Chooses the highlight-headroom rule's percentile and level (server/quality/highlight-headroom.ts)
// on the TRAINING photographs only (split "train" of sources.json), never on the held-out or
// cross-generator images:
//   - underexposure defects: the training renderer's own samples (render-sample.ts, the committed
//     model's samples: same seed, 110 per photograph, base forms) labelled underexposed;
//   - clean night scenes: hard-good-samples.ts's night renderer on the same photographs (lamps
//     and lit windows that reach white; written apart from the evaluation's night scenes).
// Rule, fixed before running: for each percentile, the level is the lowest sRGB code value that
// keeps at least 99% of the training underexposure defects below it (so they stay refusable);
// the percentile chosen is the one whose level frees the most training night scenes that the
// model refuses for underexposure today (score over threshold and highlights at or above the
// level); ties go to the HIGHER level (more cautious).
//   npx tsx models/quality/headroom-level.ts [--night=10] [--out=FILE.json]
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { highlightLevel } from "../../server/quality/highlight-headroom";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import { walkTrainingPhotos } from "./training-photo-walk";

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().default(110),
  seed: z.coerce.number().int().default(20261122),
  night: z.coerce.number().int().default(10),
  nightSeed: z.coerce.number().int().default(20261203),
  keep: z.coerce.number().default(0.99),
  out: z.string().optional(),
});

const PERCENTILES = [0.99, 0.995, 0.998, 0.999, 0.9995] as const;

interface Item {
  kind: "sample" | "night";
  sourceId: string;
  underexposureLabel: number | null;
  description: string;
  underexposureScore: number;
  levels: number[];
}

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const model = await loadQualityModel();
  const threshold = model.manifest.thresholds.underexposure;
  const uIndex = (model.manifest.outputs as readonly string[]).indexOf("underexposure");
  const items: Item[] = [];
  await walkTrainingPhotos(model, { perSource: args.perSource, seed: args.seed, hard: { kind: "night", count: args.night, seed: args.nightSeed } }, async (image) => {
    const underexposureLabel = image.kind === "hard" ? 0 : image.labels.underexposure;
    const levels = PERCENTILES.map((p) => highlightLevel(image.rgb, p));
    items.push({ kind: image.kind === "hard" ? "night" : "sample", sourceId: image.sourceId, underexposureLabel, description: image.description, underexposureScore: image.scores[uIndex]!, levels });
  });
  if (args.out) writeFileSync(args.out, JSON.stringify({ percentiles: PERCENTILES, threshold, items }, null, 1));

  const pos = items.filter((i) => i.kind === "sample" && i.underexposureLabel === 1);
  const darkened = items.filter((i) => i.kind === "sample" && i.underexposureLabel === null && Number(/ev (-?\d+\.\d+)/.exec(i.description)?.[1] ?? 0) <= -1.8);
  const clean = items.filter((i) => i.kind === "sample" && i.underexposureLabel === 0);
  const night = items.filter((i) => i.kind === "night");
  const nightRefused = night.filter((i) => i.underexposureScore >= threshold);
  console.log(`training underexposure defects ${pos.length} (refused today ${pos.filter((i) => i.underexposureScore >= threshold).length}); darkened ≥1.8 EV but unlabelled ${darkened.length}; clean for underexposure ${clean.length}; night ${night.length} (refused for underexposure today ${nightRefused.length})`);
  const choices = PERCENTILES.map((p, pi) => {
    const sorted = pos.map((i) => Math.round(i.levels[pi]! * 255)).sort((a, b) => a - b);
    // Lowest level L (code value) with at least `keep` of the defects strictly below it.
    let L = 0;
    while (L <= 256 && sorted.filter((v) => v < L).length < args.keep * sorted.length) L++;
    const reach = (i: Item) => Math.round(i.levels[pi]! * 255) >= L;
    const freed = nightRefused.filter(reach).length;
    console.log(
      `p${(p * 100).toFixed(2)}: level ${L}/255 (sRGB ${(L / 255).toFixed(3)}); defects at/above it ${pos.filter(reach).length}/${pos.length} ` +
        `(refused today and lost ${pos.filter((i) => i.underexposureScore >= threshold && reach(i)).length}); darkened-unlabelled at/above ${darkened.filter(reach).length}/${darkened.length}; ` +
        `night freed ${freed}/${nightRefused.length} (all night at/above ${night.filter(reach).length}/${night.length}); clean at/above ${clean.filter(reach).length}/${clean.length}; ` +
        `defect levels max ${sorted.at(-1)}, 99th ${sorted[Math.floor(0.99 * (sorted.length - 1))]}`,
    );
    return { p, L, freed };
  });
  const best = [...choices].sort((a, b) => b.freed - a.freed || b.L - a.L)[0]!;
  console.log(`chosen: percentile ${best.p}, level ${best.L}/255 = sRGB ${(best.L / 255).toFixed(4)}`);
}

await main();
