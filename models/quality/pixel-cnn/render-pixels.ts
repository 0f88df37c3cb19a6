// The pixel network's training samples: exactly the committed model's (same photographs, seed,
// renderer and forms as train.ts, sample k of photograph s from the same random stream), run
// through the server's preprocessing and kept as raw 640×480 RGB in models/.cache (git-ignored),
// since the network reads pixels rather than the feature graph's numbers.
//   npx tsx models/quality/pixel-cnn/render-pixels.ts [--shard=I --shards=N]
// Shards render disjoint photographs, so two processes can share the work on two cores; each
// writes its own index, and train.py reads them all.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { prepareModelInput, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../../server/quality/prepare-model-input";
import { baselineScores } from "../baselines";
import { parseCliArgs } from "../cli-args";
import { sampleRng } from "../dataset";
import { fetchSources } from "../fetch-sources";
import { photographFolds } from "../heads";
import { loadSource, renderSample } from "../render-sample";
import { rowCacheKey } from "../row-cache";
import { PIXEL_TRAINING } from "./training-set";

const ArgsSchema = z.object({
  shard: z.coerce.number().int().min(0).default(0),
  shards: z.coerce.number().int().min(1).default(1),
});

export function pixelCacheDir(): string {
  const train = fetchSources(["train"]);
  const key = rowCacheKey(train, PIXEL_TRAINING.perSource, PIXEL_TRAINING.seed, "pixels");
  return path.resolve(import.meta.dirname, `../../.cache/pixels-${key}`);
}

async function main() {
  const args = parseCliArgs(ArgsSchema, "--shard=I --shards=N");
  const train = fetchSources(["train"]);
  const dir = pixelCacheDir();
  const indexFile = path.join(dir, `index-${args.shard}-of-${args.shards}.json`);
  if (existsSync(indexFile)) {
    console.log(`already rendered: ${indexFile}`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  // The heads' folds (photographs in order of first appearance, i % 4), so both models are
  // judged out of fold on the same grouping.
  const folds = photographFolds(train.map((s) => ({ sourceId: s.id })));
  const mine = train.filter((_, i) => i % args.shards === args.shard);
  const index: unknown[] = [];
  const t0 = performance.now();
  for (const src of mine) {
    const image = await loadSource(src.id, src.file);
    for (let k = 0; k < PIXEL_TRAINING.perSource; k++) {
      const sample = await renderSample(image, sampleRng(src.id, PIXEL_TRAINING.seed, k), PIXEL_TRAINING.forms);
      const { rgb } = await prepareModelInput(sample.jpeg);
      const file = `${src.id}_${k}.rgb`;
      writeFileSync(path.join(dir, file), rgb);
      index.push({
        sourceId: src.id,
        k,
        file,
        fold: folds.get(src.id),
        labels: sample.labels,
        description: sample.description,
        baselines: baselineScores(rgb, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT),
      });
    }
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${src.id}: ${PIXEL_TRAINING.perSource} samples`);
  }
  writeFileSync(indexFile, JSON.stringify(index));
  console.log(`wrote ${index.length} samples to ${dir}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
