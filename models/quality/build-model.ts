// Assembles the single ONNX file the server runs: fixed feature operators, then the
// standardisation and MLP learned by train.ts. Without a head it yields the feature-only
// graph that training uses, so training and serving compute features with the same nodes.
import { OUTPUTS } from "./defects";
import { addFeatureNodes, INPUT_HEIGHT, INPUT_WIDTH } from "./feature-graph";
import { mlpLogits, type MlpParams } from "./mlp";
import { GraphBuilder } from "./onnx-builder";

export const INPUT_NAME = "rgb";

export function buildFeatureModel(): { bytes: Uint8Array; featureNames: string[] } {
  const g = new GraphBuilder();
  const rgb = g.input(INPUT_NAME, "uint8", [1, INPUT_HEIGHT, INPUT_WIDTH, 3]);
  const { features, names } = addFeatureNodes(g, rgb);
  g.output("features", features, [1, names.length]);
  return { bytes: g.encode("photo_quality_features", "Fixed image-quality features (no learned part)."), featureNames: names };
}

/** One defect's head: a few MLPs (an ensemble, logits averaged) over a subset of the features. */
export interface DefectHead {
  featureIndices: number[];
  members: MlpParams[];
}

const logit = (p: number) => Math.log(p / (1 - p));

/**
 * Scores: one sigmoid per defect (logits averaged over the ensemble), then "overall", defined
 * as sigmoid(max over defects of logit(score) - logit(threshold)): above 0.5 exactly when some
 * defect is over its threshold, so the overall score and the verdict can never disagree.
 */
export function buildQualityModel(heads: DefectHead[], thresholds: number[], doc: string): Uint8Array {
  if (heads.length !== OUTPUTS.length - 1 || thresholds.length !== heads.length) throw new Error("one head and threshold per defect");
  const g = new GraphBuilder();
  const rgb = g.input(INPUT_NAME, "uint8", [1, INPUT_HEIGHT, INPUT_WIDTH, 3]);
  const { features, names } = addFeatureNodes(g, rgb);
  const logits = heads.map((head) => {
    const F = head.featureIndices.length;
    const x = g.op("Gather", [features, g.ints(head.featureIndices)], { axis: 1 });
    const outs = head.members.map((m) => {
      if (m.inputSize !== F || m.outputs !== 1) throw new Error(`head member expects ${m.inputSize} features, given ${F}`);
      const z = g.op("Div", [g.op("Sub", [x, g.floats(m.mean, [1, F])]), g.floats(m.std, [1, F])]);
      const h = g.op("Relu", [g.op("Gemm", [z, g.floats(m.w1, [F, m.hidden]), g.floats(m.b1, [m.hidden])])]);
      return g.op("Gemm", [h, g.floats(m.w2, [m.hidden, 1]), g.floats(m.b2, [1])]);
    });
    const sum = outs.slice(1).reduce((acc, o) => g.op("Add", [acc, o]), outs[0]!);
    return g.op("Mul", [sum, g.scalar(1 / outs.length)]);
  });
  const defectLogits = g.op("Concat", logits, { axis: 1 }); // [1,7]
  const margin = g.op("Sub", [defectLogits, g.floats(thresholds.map(logit), [1, heads.length])]);
  const overall = g.op("ReduceMax", [margin], { axes: [1], keepdims: 1 });
  const scores = g.op("Sigmoid", [g.op("Concat", [defectLogits, overall], { axis: 1 })]);
  g.output("scores", scores, [1, OUTPUTS.length]);
  g.output("features", features, [1, names.length]);
  return g.encode("photo_quality", doc);
}

/** The same computation in TypeScript, to check the exported graph. */
export function predictHeads(heads: DefectHead[], thresholds: number[], features: ArrayLike<number>): number[] {
  const l = heads.map((h) => {
    const x = h.featureIndices.map((i) => features[i]!);
    return h.members.reduce((acc, m) => acc + mlpLogits(m, x)[0]!, 0) / h.members.length;
  });
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  return [...l.map(sig), sig(Math.max(...l.map((v, i) => v - logit(thresholds[i]!))))];
}
