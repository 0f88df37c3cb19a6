// A one-hidden-layer MLP with one sigmoid output per defect, trained with Adam on a masked
// binary cross-entropy (labels may be null where a defect is undefined for a sample).
// Small enough to train in seconds on precomputed features; plain loops keep it deterministic.
import { Rng } from "./random";

export interface MlpParams {
  inputSize: number;
  hidden: number;
  outputs: number;
  mean: number[];
  std: number[];
  w1: number[]; // [inputSize, hidden] row-major
  b1: number[];
  w2: number[]; // [hidden, outputs]
  b2: number[];
}

export interface TrainOptions {
  hidden: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  seed: number;
  /** Per-output weight for positive examples, to balance rare defects. */
  positiveWeight?: number[];
}

export type Label = 0 | 1 | null;

export function standardise(x: Float64Array[], inputSize: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(inputSize).fill(0);
  const std = new Array<number>(inputSize).fill(0);
  for (const row of x) for (let j = 0; j < inputSize; j++) mean[j]! += row[j]! / x.length;
  for (const row of x) for (let j = 0; j < inputSize; j++) std[j]! += (row[j]! - mean[j]!) ** 2 / x.length;
  for (let j = 0; j < inputSize; j++) std[j] = Math.sqrt(std[j]!) + 1e-6;
  return { mean, std };
}

export function trainMlp(x: Float64Array[], y: Label[][], opts: TrainOptions): MlpParams {
  const n = x.length;
  const F = x[0]!.length;
  const O = y[0]!.length;
  const H = opts.hidden;
  const rng = new Rng(opts.seed, 7);
  const { mean, std } = standardise(x, F);
  const z = x.map((row) => Float64Array.from(row, (v, j) => (v - mean[j]!) / std[j]!));

  const w1 = Float64Array.from({ length: F * H }, () => rng.normal() * Math.sqrt(2 / F));
  const b1 = new Float64Array(H);
  const w2 = Float64Array.from({ length: H * O }, () => rng.normal() * Math.sqrt(1 / H));
  const b2 = new Float64Array(O);
  const params = [w1, b1, w2, b2];
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const grads = params.map((p) => new Float64Array(p.length));
  const posW = opts.positiveWeight ?? new Array<number>(O).fill(1);
  const beta1 = 0.9, beta2 = 0.999;
  let step = 0;

  const order = Array.from({ length: n }, (_, i) => i);
  const hAct = new Float64Array(H);
  const dH = new Float64Array(H);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    rng.shuffle(order);
    const lr = opts.learningRate * 0.5 * (1 + Math.cos((Math.PI * epoch) / opts.epochs));
    for (let start = 0; start < n; start += opts.batchSize) {
      const batch = order.slice(start, start + opts.batchSize);
      for (const gr of grads) gr.fill(0);
      for (const i of batch) {
        const xi = z[i]!;
        for (let h = 0; h < H; h++) {
          let s = b1[h]!;
          for (let j = 0; j < F; j++) s += xi[j]! * w1[j * H + h]!;
          hAct[h] = s > 0 ? s : 0;
        }
        dH.fill(0);
        for (let o = 0; o < O; o++) {
          const label = y[i]![o];
          if (label === null || label === undefined) continue;
          let s = b2[o]!;
          for (let h = 0; h < H; h++) s += hAct[h]! * w2[h * O + o]!;
          const p = 1 / (1 + Math.exp(-s));
          const wgt = label === 1 ? posW[o]! : 1;
          const d = wgt * (p - label);
          grads[3]![o]! += d;
          for (let h = 0; h < H; h++) {
            grads[2]![h * O + o]! += d * hAct[h]!;
            dH[h]! += d * w2[h * O + o]!;
          }
        }
        for (let h = 0; h < H; h++) {
          if (hAct[h]! <= 0) continue;
          const d = dH[h]!;
          grads[1]![h]! += d;
          for (let j = 0; j < F; j++) grads[0]![j * H + h]! += d * xi[j]!;
        }
      }
      step += 1;
      const bc1 = 1 - beta1 ** step, bc2 = 1 - beta2 ** step;
      for (let p = 0; p < params.length; p++) {
        const P = params[p]!, G = grads[p]!, M = m[p]!, V = v[p]!;
        const decay = p === 0 || p === 2 ? opts.weightDecay : 0;
        for (let k = 0; k < P.length; k++) {
          const gk = G[k]! / batch.length + decay * P[k]!;
          M[k] = beta1 * M[k]! + (1 - beta1) * gk;
          V[k] = beta2 * V[k]! + (1 - beta2) * gk * gk;
          P[k]! -= (lr * (M[k]! / bc1)) / (Math.sqrt(V[k]! / bc2) + 1e-8);
        }
      }
    }
  }
  return {
    inputSize: F, hidden: H, outputs: O, mean, std,
    w1: Array.from(w1), b1: Array.from(b1), w2: Array.from(w2), b2: Array.from(b2),
  };
}

export function predictMlp(p: MlpParams, row: ArrayLike<number>): number[] {
  return mlpLogits(p, row).map((s) => 1 / (1 + Math.exp(-s)));
}

export function mlpLogits(p: MlpParams, row: ArrayLike<number>): number[] {
  const H = p.hidden, O = p.outputs, F = p.inputSize;
  const h = new Float64Array(H);
  for (let k = 0; k < H; k++) {
    let s = p.b1[k]!;
    for (let j = 0; j < F; j++) s += ((row[j]! - p.mean[j]!) / p.std[j]!) * p.w1[j * H + k]!;
    h[k] = s > 0 ? s : 0;
  }
  const out: number[] = [];
  for (let o = 0; o < O; o++) {
    let s = p.b2[o]!;
    for (let k = 0; k < H; k++) s += h[k]! * p.w2[k * O + o]!;
    out.push(s);
  }
  return out;
}
