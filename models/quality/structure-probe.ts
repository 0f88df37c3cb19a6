// Exploration on the TRAINING photographs only (split "train" of sources.json): how the
// committed model's obstruction score and the frame's fine structure relate, for the training
// renderer's obstructions (finger, object from an edge, covered lens, featureless frame), its
// clean samples, and hazy scenes (hard-good-samples.ts, not in the committed training). No
// held-out, unseen-source, candidate or cross-generator image is read. Writes one JSON line per
// image: kind, obstruction label and score, and each 40x40 tile's fine-structure energy (mean
// absolute 4-neighbour Laplacian of luma, code values), sorted.
//   npx tsx models/quality/structure-probe.ts [--per-source=110] [--haze=10] --out=FILE.json
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import { walkTrainingPhotos } from "./training-photo-walk";

const ArgsSchema = z.object({
  perSource: z.coerce.number().int().default(110),
  seed: z.coerce.number().int().default(20261122),
  haze: z.coerce.number().int().default(10),
  hazeSeed: z.coerce.number().int().default(20261203),
  out: z.string(),
});

const W = 640, H = 480, TILE = 40;

/** Each 40x40 tile's mean |4·Y − (up + down + left + right)| over its inner pixels, Y = Rec.601 luma. */
function tileStructure(rgb: Uint8Array): number[] {
  const y = new Float32Array(W * H);
  for (let p = 0; p < W * H; p++) y[p] = 0.299 * rgb[p * 3]! + 0.587 * rgb[p * 3 + 1]! + 0.114 * rgb[p * 3 + 2]!;
  const tiles: number[] = [];
  for (let ty = 0; ty < H / TILE; ty++) for (let tx = 0; tx < W / TILE; tx++) {
    let sum = 0, n = 0;
    for (let r = Math.max(1, ty * TILE); r < Math.min(H - 1, (ty + 1) * TILE); r++) {
      for (let c = Math.max(1, tx * TILE); c < Math.min(W - 1, (tx + 1) * TILE); c++) {
        const p = r * W + c;
        sum += Math.abs(4 * y[p]! - y[p - 1]! - y[p + 1]! - y[p - W]! - y[p + W]!);
        n++;
      }
    }
    tiles.push(Math.round((sum / n) * 100) / 100);
  }
  return tiles;
}

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const model = await loadQualityModel();
  const oIndex = (model.manifest.outputs as readonly string[]).indexOf("obstruction");
  const rows: unknown[] = [];
  await walkTrainingPhotos(model, { perSource: args.perSource, seed: args.seed, hard: { kind: "haze", count: args.haze, seed: args.hazeSeed } }, async (image) => {
    const judged = { score: image.scores[oIndex]!, tiles: tileStructure(image.rgb) };
    if (image.kind === "hard") rows.push({ kind: "haze", source: image.sourceId, label: 0, ...judged, description: image.description });
    else rows.push({ kind: image.description.split(",")[0]!, source: image.sourceId, label: image.labels.obstruction, ...judged, description: image.description });
  });
  writeFileSync(args.out, JSON.stringify({ threshold: model.manifest.thresholds.obstruction, rows }));
}

await main();
