// Time per 640×480 window of two quality models in onnxruntime-node, one thread each as the
// server runs them, interleaved run by run so a noisy machine affects both alike:
//   npx tsx models/quality/pixel-cnn/time-models.ts [--other=DIR] [--runs=N]
import { readFileSync } from "node:fs";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import { DEFAULT_MODEL_DIR } from "../../../server/quality/load-quality-model";
import { MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH } from "../../../server/quality/prepare-model-input";
import { parseCliArgs } from "../cli-args";
import { featureSession } from "../dataset";

const ArgsSchema = z.object({
  other: z.string().default(path.resolve(import.meta.dirname, "../../.cache/pixel-model")),
  runs: z.coerce.number().int().min(5).default(60),
});

// The sessions the training scripts use: one thread, as the server runs the model.
const session = (dir: string) => featureSession(readFileSync(path.join(dir, "model.onnx")));

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const args = parseCliArgs(ArgsSchema, "--other=DIR --runs=N");
const models = [
  { name: "committed", s: await session(DEFAULT_MODEL_DIR), ms: [] as number[] },
  { name: path.basename(args.other), s: await session(args.other), ms: [] as number[] },
];
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
for (let i = 0; i < args.runs + 3; i++) {
  const rgb = new Uint8Array(MODEL_INPUT_WIDTH * MODEL_INPUT_HEIGHT * 3).map(rand);
  const input = new ort.Tensor("uint8", rgb, [1, MODEL_INPUT_HEIGHT, MODEL_INPUT_WIDTH, 3]);
  for (const m of i % 2 ? [...models].reverse() : models) {
    const t = performance.now();
    await m.s.run({ rgb: input });
    if (i >= 3) m.ms.push(performance.now() - t);
  }
}
for (const m of models) console.log(`${m.name}: median ${pct(m.ms, 0.5).toFixed(1)} ms, p95 ${pct(m.ms, 0.95).toFixed(1)} ms per window (${m.ms.length} runs)`);
const ratio = models[1]!.ms.map((x, i) => x / models[0]!.ms[i]!);
console.log(`ratio ${models[1]!.name} / committed, run by run: median ${pct(ratio, 0.5).toFixed(2)}`);
