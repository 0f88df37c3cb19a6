// Ranking and threshold metrics for binary labels with "undefined" (null) entries skipped.
export interface Scored {
  score: number;
  label: 0 | 1 | null;
}

/** ROC-AUC by the rank-sum (Mann-Whitney) statistic, ties counted half. NaN if a class is empty. */
export function rocAuc(items: Scored[]): number {
  const xs = items.filter((i) => i.label !== null).sort((a, b) => a.score - b.score);
  const nPos = xs.filter((i) => i.label === 1).length;
  const nNeg = xs.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let rankSum = 0;
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1]!.score === xs[i]!.score) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (xs[k]!.label === 1) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export function precisionRecall(items: Scored[], threshold: number) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (const { score, label } of items) {
    if (label === null) continue;
    const predicted = score >= threshold;
    if (predicted && label === 1) tp++;
    else if (predicted) fp++;
    else if (label === 1) fn++;
    else tn++;
  }
  return {
    precision: tp + fp === 0 ? NaN : tp / (tp + fp),
    recall: tp + fn === 0 ? NaN : tp / (tp + fn),
    falsePositiveRate: fp + tn === 0 ? NaN : fp / (fp + tn),
    positives: tp + fn,
    negatives: fp + tn,
  };
}

/** Threshold maximising F1 over the observed scores. */
export function bestF1Threshold(items: Scored[]): number {
  const xs = items.filter((i) => i.label !== null).sort((a, b) => b.score - a.score);
  const nPos = xs.filter((i) => i.label === 1).length;
  let tp = 0, fp = 0, best = -1, bestT = 0.5;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i]!.label === 1) tp++;
    else fp++;
    if (i + 1 < xs.length && xs[i + 1]!.score === xs[i]!.score) continue;
    const f1 = (2 * tp) / (2 * tp + fp + (nPos - tp));
    if (f1 > best) {
      best = f1;
      // Midpoint to the next score, so the threshold is not glued to one training example.
      bestT = i + 1 < xs.length ? (xs[i]!.score + xs[i + 1]!.score) / 2 : xs[i]!.score;
    }
  }
  return bestT;
}

/** Lowest threshold whose false-positive rate on the negatives is at most `maxFpr`. */
export function thresholdForFpr(items: Scored[], maxFpr: number): number {
  const neg = items.filter((i) => i.label === 0).map((i) => i.score).sort((a, b) => b - a);
  const allowed = Math.floor(neg.length * maxFpr);
  if (allowed >= neg.length) return 0;
  // Scores strictly above neg[allowed] are flagged: at most `allowed` negatives.
  const next = neg[allowed]!;
  return Math.min(1, next + 1e-6);
}
