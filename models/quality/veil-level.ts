// Chooses the veil rule's floor F, texture S and least veiled share v_min
// (server/quality/veiled-tiles.ts) on the TRAINING photographs only (split "train" of
// sources.json), never on the held-out or cross-generator images. Procedure fixed before it was
// run: models/quality/GLARE-RULE.md.
//   - glare defects: the training renderer's own samples (render-sample.ts, the committed model's
//     samples: same seed, 110 per photograph, base forms) labelled glare;
//   - good items: the samples with no defect at all, and hard-good-samples.ts's clean haze and
//     night scenes; other-defect items: samples not glare but with some other defect.
// For each (F, S), v_min is the lowest multiple of 1/192 that keeps at most 0.5% of the good
// items and 2% of the other-defect items veiled (v_min ≤ V ≤ 0.5); the (F, S) chosen catches the
// most glare defects the model does not refuse for glare; ties go to the higher v_min, then the
// higher F, then the higher S.
//   npx tsx models/quality/veil-level.ts [--out=FILE.json]
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, prepareModelInput } from "../../server/quality/prepare-model-input";
import { tileReadings, veiledShare } from "../../server/quality/veiled-tiles";
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

const FLOORS = [0.1, 0.2, 0.3] as const;
const TEXTURES = [0.02, 0.04, 0.08] as const;
const MAX_SHARE = 0.5;
const TILES = 192;

interface Item {
  kind: "sample" | "haze" | "night";
  sourceId: string;
  glareLabel: number | null;
  good: boolean;
  description: string;
  glareScore: number;
  /** Veiled share for each (F, S), F-major. */
  shares: number[];
}

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const model = await loadQualityModel();
  const threshold = model.manifest.thresholds.glare;
  const gIndex = (model.manifest.outputs as readonly string[]).indexOf("glare");
  const train = fetchSources().filter((s) => s.split === "train");
  const trainIds = new Set(model.manifest.training.trainingPhotographs as string[]);
  if (train.length !== trainIds.size || train.some((s) => !trainIds.has(s.id))) throw new Error("train split differs from the model's training photographs");
  const items: Item[] = [];
  const judge = async (jpeg: Buffer) => {
    const { rgb } = await prepareModelInput(jpeg);
    const { scores } = await runModel(model.session, rgb);
    const tiles = tileReadings(rgb, MODEL_INPUT_WIDTH, MODEL_INPUT_HEIGHT);
    return { glareScore: scores![gIndex]!, shares: FLOORS.flatMap((f) => TEXTURES.map((s) => veiledShare(tiles, f, s))) };
  };
  const t0 = performance.now();
  for (const [s, src] of train.entries()) {
    const image = await loadSource(src.id, src.file);
    for (const kind of HARD_GOOD_KINDS) {
      for (let j = 0; j < args.hardGood; j++) {
        const hg = await renderHardGood(image, kind, hardGoodRng(args.hardGoodSeed, s, kind, j));
        items.push({ kind, sourceId: src.id, glareLabel: 0, good: true, description: hg.description, ...(await judge(hg.jpeg)) });
      }
    }
    for (let k = 0; k < args.perSource; k++) {
      const sample = await renderSample(image, sampleRng(src.id, args.seed, k), "base");
      const good = Object.values(sample.labels).every((v) => v === 0);
      items.push({ kind: "sample", sourceId: src.id, glareLabel: sample.labels.glare, good, description: sample.description, ...(await judge(sample.jpeg)) });
    }
    console.log(`[${((performance.now() - t0) / 1000).toFixed(0)}s] ${src.id}: ${items.length} items`);
  }
  if (args.out) writeFileSync(args.out, JSON.stringify({ floors: FLOORS, textures: TEXTURES, threshold, items }, null, 1));

  const pos = items.filter((i) => i.kind === "sample" && i.glareLabel === 1);
  const missed = pos.filter((i) => i.glareScore < threshold);
  const good = items.filter((i) => i.good);
  const other = items.filter((i) => i.kind === "sample" && !i.good && i.glareLabel === 0);
  console.log(
    `training glare defects ${pos.length} (refused today ${pos.length - missed.length}); good items ${good.length} ` +
      `(samples ${good.filter((i) => i.kind === "sample").length}, haze ${good.filter((i) => i.kind === "haze").length}, night ${good.filter((i) => i.kind === "night").length}); other-defect items ${other.length}`,
  );
  const choices: { F: number; S: number; v: number; caught: number }[] = [];
  for (const [fi, F] of FLOORS.entries()) {
    for (const [si, S] of TEXTURES.entries()) {
      const k = fi * TEXTURES.length + si;
      const veiled = (i: Item, v: number) => i.shares[k]! >= v - 1e-9 && i.shares[k]! <= MAX_SHARE;
      let steps = 1;
      while (steps <= TILES && (good.filter((i) => veiled(i, steps / TILES)).length > args.goodBudget * good.length || other.filter((i) => veiled(i, steps / TILES)).length > args.otherBudget * other.length)) steps++;
      const v = steps / TILES;
      const caught = steps > TILES ? 0 : missed.filter((i) => veiled(i, v)).length;
      choices.push({ F, S, v, caught });
      console.log(
        `F ${F} S ${S}: v_min ${steps}/${TILES}; catches ${caught}/${missed.length} missed glare defects (all glare veiled ${pos.filter((i) => veiled(i, v)).length}/${pos.length}); ` +
          `good veiled ${good.filter((i) => veiled(i, v)).length}/${good.length} (haze ${good.filter((i) => i.kind === "haze" && veiled(i, v)).length}, night ${good.filter((i) => i.kind === "night" && veiled(i, v)).length}); ` +
          `other-defect veiled ${other.filter((i) => veiled(i, v)).length}/${other.length}`,
      );
    }
  }
  const best = [...choices].sort((a, b) => b.caught - a.caught || b.v - a.v || b.F - a.F || b.S - a.S)[0]!;
  console.log(`chosen: floor ${best.F}, texture ${best.S}, least veiled share ${best.v} (${Math.round(best.v * TILES)}/${TILES})`);
}

await main();
