// How far thresholds alone could take a model's scores on a cross-generator run: an upper bound
// on detection at the issue's false-reject budget (cross-eval/threshold-ceiling.ts says why it is
// one), with thresholds read off the evaluation's own images, an oracle no real gate has.
//   npx tsx models/quality/cross-evaluate.ts --split=candidate --max-width=1920 --write=no --out=RUN.json
//   npx tsx models/quality/threshold-ceiling.ts --in=RUN.json [--budget=0.05] [--target=0.9] [--model-dir=DIR]
// Evaluation only: nothing here may choose a threshold (they come from train.ts alone).
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { DEFECT_CODES } from "../../server/quality/model-manifest";
import { loadQualityModel } from "../../server/quality/load-quality-model";
import { EXPECTED_REASON } from "./cross-eval/second-generator";
import { THIRD_EXPECTED_REASON } from "./cross-eval/third-generator";
import { refusedAt, thresholdCeiling } from "./cross-eval/threshold-ceiling";

const ArgsSchema = z.object({
  in: z.string(),
  budget: z.coerce.number().min(0).max(1).default(0.05),
  target: z.coerce.number().min(0).max(1).default(0.9),
  modelDir: z.string().optional(),
});

const ResultSchema = z.object({
  photo: z.string(),
  kind: z.enum(["clean", "mild", "hard", "defect"]),
  variant: z.string(),
  verdict: z.enum(["accepted", "rejected"]),
  scores: z.record(z.string(), z.number()),
  hasHeadroom: z.boolean(),
  shadowsLifted: z.boolean(),
});

const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;

async function main() {
  const args = parseCliArgs(ArgsSchema);
  const results = z.array(ResultSchema).parse(JSON.parse(readFileSync(args.in, "utf8")));
  const thresholds = (await loadQualityModel(args.modelDir)).manifest.thresholds as Parameters<typeof refusedAt>[1];
  const judged = results.filter((r) => r.kind !== "hard");
  // The bound's rule must give the run's own verdicts at the committed thresholds.
  const differ = judged.filter((r) => refusedAt(r, thresholds) !== (r.verdict === "rejected"));
  if (differ.length > 0) throw new Error(`${differ.length} verdicts differ from the run's at the model's thresholds (first: ${differ[0]!.photo} ${differ[0]!.variant})`);

  const c = thresholdCeiling(results, thresholds, { ...EXPECTED_REASON, ...THIRD_EXPECTED_REASON }, args.budget, args.target);
  const photos = new Set(results.filter((r) => r.kind === "clean").map((r) => r.photo)).size;
  const lines = [
    `${args.in}: ${c.good} clean and mildly changed images of ${photos} photographs, ${judged.length - c.good} defective; budget ${(100 * args.budget).toFixed(1)}% of the good images refused, target ${(100 * args.target).toFixed(0)}% of each kind detected. The rule reproduces all ${judged.length} verdicts of the run at the model's own thresholds.`,
    "",
    "| Defect | Model's threshold | Lowest threshold refusing ≤ budget alone (t*) | Good refused by it alone at t* |",
    "|---|---:|---:|---:|",
    ...DEFECT_CODES.map((d) => `| ${d} | ${thresholds[d].toFixed(4)} | ${Number.isFinite(c.ceiling[d]) ? c.ceiling[d].toFixed(4) : "any"} | ${c.goodRefusedAlone[d]} (${pct(c.goodRefusedAlone[d], c.good)}) |`),
    "",
    `All seven at t* together refuse ${c.goodRefusedAll} of ${c.good} good images (${pct(c.goodRefusedAll, c.good)}): the bound below is that generous.`,
    "",
    "| Defect drawn | Expected reason | Images | Detected at the model's thresholds | Detected, all seven at t* (upper bound) | By its expected reason at its t* | Good refused if that reason alone detected the target share |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...c.kinds.map((k) => {
      const under = k.detectedBound < args.target * k.images;
      const bound = pct(k.detectedBound, k.images);
      const cost = k.goodRefusedAtTarget === null ? "never (the exposure rule withholds it)" : `${k.goodRefusedAtTarget} (${pct(k.goodRefusedAtTarget, c.good)})`;
      return `| ${k.variant} | ${k.expected} | ${k.images} | ${pct(k.detectedCommitted, k.images)} | ${under ? `**${bound}**` : bound} | ${pct(k.detectedByOwnReason, k.images)} | ${cost} |`;
    }),
    "",
    `${c.kinds.filter((k) => k.detectedBound < args.target * k.images).length} of ${c.kinds.length} kinds of defect stay under ${(100 * args.target).toFixed(0)}% even at the bound.`,
  ];
  console.log(lines.join("\n"));
}

void main();
