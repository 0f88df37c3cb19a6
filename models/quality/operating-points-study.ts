// Compares threshold rules and reason orders on OUT-OF-FOLD predictions of the training
// photographs (the only place they may be chosen), and, for information only, shows what each
// would give on a saved cross-generator run (cross-evaluate.ts --out=FILE.json):
//   npx tsx models/quality/operating-points-study.ts [--cross=FILE.json] [--model-dir=DIR]
// The training samples come from the row cache that train.ts fills (models/.cache).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseCliArgs } from "./cli-args";
import { DEFAULT_MODEL_DIR } from "../../server/quality/load-quality-model";
import { reasonMargin } from "../../server/quality/order-reasons";
import { buildFeatureModel } from "./build-model";
import { featureSession } from "./dataset";
import { DEFECTS, type Defect } from "./defects";
import { fetchSources } from "./fetch-sources";
import { headFeatureIndices, outOfFoldScores } from "./heads";
import { budgetForTotal, cleanRejectRate, isPristine, maxF1CappedThresholds } from "./operating-points";
import { cachedHardGoodRows, cachedTrainingRows, rowCacheKey } from "./row-cache";

const ArgsSchema = z.object({
  cross: z.string().optional(),
  modelDir: z.string().default(DEFAULT_MODEL_DIR),
  perSource: z.coerce.number().int().default(110),
  seed: z.coerce.number().int().default(20261122),
  /** Clean hard scenes per kind and photograph to add (0: none), as train.ts does. */
  hardGood: z.coerce.number().int().min(0).default(0),
});
const args = parseCliArgs(ArgsSchema);
const HERE = import.meta.dirname;

type Order = (scores: Record<Defect, number>, t: Record<Defect, number>) => Defect[];
const over = (s: Record<Defect, number>, t: Record<Defect, number>) => DEFECTS.filter((d) => s[d] >= t[d]);
const ORDERS: Record<string, Order> = {
  "score / threshold": (s, t) => over(s, t).sort((a, b) => s[b] / t[b] - s[a] / t[a]),
  "logit margin": (s, t) => over(s, t).sort((a, b) => reasonMargin(s[b], t[b]) - reasonMargin(s[a], t[a])),
};
const BLUR = new Set<Defect>(["motion_blur", "defocus"]);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

const train = fetchSources(["train"]);
const { featureNames, bytes } = buildFeatureModel();
const session = await featureSession(bytes);
const rows = [
  ...(await cachedTrainingRows(train, args.perSource, args.seed, session)).rows,
  ...(args.hardGood > 0 ? (await cachedHardGoodRows(train, args.hardGood, 20261203, session)).rows : []),
];
const indices = headFeatureIndices(featureNames);
const headsHash = createHash("sha256");
for (const f of ["heads.ts", "mlp.ts", "build-model.ts"]) headsHash.update(readFileSync(path.join(HERE, f)));
const oofFile = path.resolve(HERE, `../.cache/oof-${rowCacheKey(train, args.perSource, args.seed)}-hard${args.hardGood}-${headsHash.digest("hex").slice(0, 12)}.json`);
let oof: number[][];
if (existsSync(oofFile)) oof = JSON.parse(readFileSync(oofFile, "utf8"));
else {
  const t0 = performance.now();
  oof = outOfFoldScores(rows, indices, args.seed, (f) => console.log(`fold ${f + 1} trained (${((performance.now() - t0) / 1000).toFixed(0)} s)`));
  writeFileSync(oofFile, JSON.stringify(oof));
}
// Per-defect Platt calibration of the out-of-fold logits (P(defect | score)), for a third order:
// by calibrated probability. Fitted on the same out-of-fold predictions it is judged on, so its
// figure here is optimistic.
const lg = (p: number) => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));
const platt = Object.fromEntries(
  DEFECTS.map((d, k) => {
    const xs = rows.flatMap((r, i) => (r.labels[d] === null ? [] : [[lg(oof[i]![k]!), r.labels[d]!] as const]));
    let a = 1, b = 0;
    for (let it = 0; it < 300; it++) {
      let ga = 0, gb = 0;
      for (const [x, y] of xs) {
        const p = 1 / (1 + Math.exp(-(a * x + b)));
        ga += (p - y) * x;
        gb += p - y;
      }
      a -= (0.5 * ga) / xs.length;
      b -= (0.5 * gb) / xs.length;
    }
    return [d, { a, b }];
  }),
) as Record<Defect, { a: number; b: number }>;
ORDERS["Platt-calibrated probability"] = (s, t) => over(s, t).sort((x, y) => platt[y].a * lg(s[y]) + platt[y].b - (platt[x].a * lg(s[x]) + platt[x].b));
const scoreOf = (i: number) => Object.fromEntries(DEFECTS.map((d, k) => [d, oof[i]![k]!])) as Record<Defect, number>;

const committed = JSON.parse(readFileSync(path.join(args.modelDir, "thresholds.json"), "utf8")).thresholds as Record<Defect, number>;
const rules: Record<string, Record<Defect, number>> = {
  "committed thresholds.json": committed,
  "max F1, cap 2% (train.ts until now), recomputed": maxF1CappedThresholds(rows, oof, 0.02),
  "cap 2% of each defect's negatives only (no max F1)": maxF1CappedThresholds(rows, oof, 0.02, false),
};
for (const total of [0.03, 0.04]) {
  for (const whites of [0.02, 0.05]) {
    const b = budgetForTotal(rows, oof, total, whites);
    rules[`clean budget ${pct(total)} total (${pct(b.rule.perDefect)} each), whites ${pct(whites)}`] = b.thresholds;
    const p = budgetForTotal(rows, oof, total, whites, isPristine);
    rules[`PRISTINE budget ${pct(total)} total (${pct(p.rule.perDefect)} each), whites ${pct(whites)}`] = p.thresholds;
  }
}

const single = rows.flatMap((r, i) => {
  const present = DEFECTS.filter((d) => r.labels[d] === 1);
  return present.length === 1 ? [{ i, d: present[0]! }] : [];
});
console.log(`\nOut of fold, ${rows.length} training samples (${rows.filter((r) => r.labels.overall === 0).length} clean, ${single.length} with exactly one defect)\n`);
for (const [name, t] of Object.entries(rules)) {
  console.log(`== ${name}`);
  console.log(`   thresholds ${DEFECTS.map((d) => `${d} ${t[d].toFixed(4)}`).join(", ")}`);
  console.log(`   clean rejected ${pct(cleanRejectRate(rows, oof, t))}, pristine rejected ${pct(cleanRejectRate(rows, oof, t, isPristine))} (of ${rows.filter(isPristine).length})`);
  const recall = DEFECTS.map((d, k) => {
    const pos = rows.flatMap((r, i) => (r.labels[d] === 1 ? [i] : []));
    return `${d} ${pct(pos.filter((i) => oof[i]![k]! >= t[d]).length / pos.length)}`;
  });
  console.log(`   recall ${recall.join(", ")}`);
  const anyRej = single.filter(({ i }) => over(scoreOf(i), t).length > 0).length;
  console.log(`   single-defect samples rejected ${pct(anyRej / single.length)}`);
  for (const [oname, order] of Object.entries(ORDERS)) {
    const right = single.filter(({ i, d }) => {
      const first = order(scoreOf(i), t)[0];
      return first === d || (first !== undefined && BLUR.has(first) && BLUR.has(d));
    }).length;
    const perDefect = DEFECTS.map((d) => {
      const s = single.filter((x) => x.d === d);
      const ok = s.filter(({ i }) => {
        const first = order(scoreOf(i), t)[0];
        return first === d || (first !== undefined && BLUR.has(first) && BLUR.has(d));
      }).length;
      return `${d} ${pct(ok / s.length)}`;
    });
    console.log(`   first reason right (${oname}): ${pct(right / single.length)} [${perDefect.join(", ")}]`);
  }
}

if (args.cross) {
  // Information only: nothing here may choose a rule. Scores are the committed model's.
  const results = JSON.parse(readFileSync(args.cross, "utf8")) as { kind: string; variant: string; expected: string | null; scores: Record<Defect, number> }[];
  const alsoRight: Record<string, string[]> = { motion_blur: ["defocus"], defocus: ["motion_blur"] };
  console.log(`\nSaved cross-generator run ${args.cross} (information only)`);
  for (const [name, t] of Object.entries(rules)) {
    for (const [oname, order] of Object.entries(ORDERS)) {
      const good = results.filter((r) => r.kind === "clean" || r.kind === "mild");
      const hard = results.filter((r) => r.kind === "hard");
      const bad = results.filter((r) => r.kind === "defect");
      const rej = (r: (typeof results)[number]) => over(r.scores, t).length > 0;
      const right = (r: (typeof results)[number]) => {
        const f = order(r.scores, t)[0];
        return f !== undefined && (f === r.expected || (alsoRight[r.expected!] ?? []).includes(f));
      };
      const variants = [...new Set(bad.map((r) => r.variant))].map((v) => {
        const rs = bad.filter((r) => r.variant === v);
        return `${v} ${pct(rs.filter(rej).length / rs.length)}/${pct(rs.filter(right).length / rs.length)}`;
      });
      const hardV = [...new Set(hard.map((r) => r.variant))].map((v) => {
        const rs = hard.filter((r) => r.variant === v);
        return `${v} ${rs.filter(rej).length}/${rs.length}`;
      });
      console.log(`== ${name} / ${oname}: false rejects ${pct(good.filter(rej).length / good.length)}, hard scenes ${pct(hard.filter(rej).length / hard.length)} [${hardV.join(", ")}], detected ${pct(bad.filter(rej).length / bad.length)}, first right ${pct(bad.filter(right).length / bad.length)}`);
      console.log(`   detected/first right: ${variants.join(", ")}`);
    }
  }
}
