// Assembles the single ONNX file the server runs: fixed feature operators, then the
// standardisation and MLP learned by train.ts. Without a head it yields the feature-only
// graph that training uses, so training and serving compute features with the same nodes.
import { OUTPUTS } from "./defects";
import { addFeatureNodes, INPUT_HEIGHT, INPUT_WIDTH } from "./feature-graph";
import type { MlpParams } from "./mlp";
import { GraphBuilder } from "./onnx-builder";

export const INPUT_NAME = "rgb";

export function buildFeatureModel(): { bytes: Uint8Array; featureNames: string[] } {
  const g = new GraphBuilder();
  const rgb = g.input(INPUT_NAME, "uint8", [1, INPUT_HEIGHT, INPUT_WIDTH, 3]);
  const { features, names } = addFeatureNodes(g, rgb);
  g.output("features", features, [1, names.length]);
  return { bytes: g.encode("photo_quality_features", "Fixed image-quality features (no learned part)."), featureNames: names };
}

export function buildQualityModel(head: MlpParams, doc: string): Uint8Array {
  const g = new GraphBuilder();
  const rgb = g.input(INPUT_NAME, "uint8", [1, INPUT_HEIGHT, INPUT_WIDTH, 3]);
  const { features, names } = addFeatureNodes(g, rgb);
  const F = names.length;
  if (head.inputSize !== F) throw new Error(`head expects ${head.inputSize} features, graph has ${F}`);
  const z = g.op("Div", [g.op("Sub", [features, g.floats(head.mean, [1, F])]), g.floats(head.std, [1, F])]);
  const h = g.op("Relu", [g.op("Gemm", [z, g.floats(head.w1, [F, head.hidden]), g.floats(head.b1, [head.hidden])])]);
  const logits = g.op("Gemm", [h, g.floats(head.w2, [head.hidden, OUTPUTS.length]), g.floats(head.b2, [OUTPUTS.length])]);
  g.output("scores", g.op("Sigmoid", [logits]), [1, OUTPUTS.length]);
  g.output("features", features, [1, F]);
  return g.encode("photo_quality", doc);
}
