// A hybrid of two models judged from their cross-generator runs (cross-evaluate.ts --out): each
// defect's score and threshold come from the model named for it, the reasons are the defects over
// their thresholds ordered by margin in logit units (server/quality/order-reasons.ts), and the
// figures are summarised as cross-evaluate.ts does. The feature model's reasons are taken as it
// gave them (after its headroom rule for underexposure). This simulates one combined graph from
// per-image frame scores; it is not a built model.
//   npx tsx models/quality/pixel-cnn/hybrid-from-runs.ts --feature=A.json --pixel=B.json --pixel-defects=overexposure,obstruction [--pixel-dir=DIR]
import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DEFAULT_MODEL_DIR } from "../../../server/quality/load-quality-model";
import { DEFECT_CODES, ModelManifestSchema, type DefectCode } from "../../../server/quality/model-manifest";
import { reasonMargin } from "../../../server/quality/order-reasons";
import { parseCliArgs } from "../cli-args";
import { SECOND, THIRD, summarise, type CrossResult } from "../cross-evaluate";

const ArgsSchema = z.object({
  feature: z.string(),
  pixel: z.string(),
  pixelDefects: z.string().transform((s) => s.split(",").map((d) => z.enum(DEFECT_CODES).parse(d))),
  pixelDir: z.string().default(path.resolve(import.meta.dirname, "../../.cache/pixel-model")),
  seed: z.coerce.number().int().default(4242),
  bootstrap: z.coerce.number().int().min(100).default(2000),
});

const args = parseCliArgs(ArgsSchema, "--feature=FILE --pixel=FILE --pixel-defects=a,b [--pixel-dir=DIR]");
const thresholdsOf = (dir: string) => ModelManifestSchema.parse(JSON.parse(readFileSync(path.join(dir, "thresholds.json"), "utf8"))).thresholds as Record<DefectCode, number>;
const tFeature = thresholdsOf(DEFAULT_MODEL_DIR);
const tPixel = thresholdsOf(args.pixelDir);
const read = (f: string) => JSON.parse(readFileSync(f, "utf8")) as CrossResult[];
const key = (r: CrossResult) => `${r.photo}|${r.size}|${r.kind}|${r.variant}`;
const pixel = new Map(read(args.pixel).map((r) => [key(r), r]));
const pixelSet = new Set<DefectCode>(args.pixelDefects);

const hybrid: CrossResult[] = read(args.feature).map((f) => {
  const p = pixel.get(key(f));
  if (!p) throw new Error(`no pixel-model result for ${key(f)}`);
  const own = (d: DefectCode) => (pixelSet.has(d) ? { score: p.scores[d]!, t: tPixel[d] } : { score: f.scores[d]!, t: tFeature[d] });
  const over = DEFECT_CODES.filter((d) => (pixelSet.has(d) ? p.scores[d]! >= tPixel[d] : f.reasons.includes(d)));
  const reasons = over.sort((a, b) => reasonMargin(own(b).score, own(b).t) - reasonMargin(own(a).score, own(a).t));
  return { ...f, reasons, verdict: reasons.length > 0 ? "rejected" : "accepted", scores: Object.fromEntries(DEFECT_CODES.map((d) => [d, own(d).score])) };
});

for (const gen of [THIRD, SECOND]) {
  const s = summarise(hybrid, args.bootstrap, args.seed, gen);
  console.log(`### ${gen.name}: hybrid (pixel network for ${args.pixelDefects.join(", ")})\n`);
  console.log(s.lines.join("\n"));
}
console.log(summarise(hybrid, args.bootstrap, args.seed, THIRD).variantLines.join("\n"));
