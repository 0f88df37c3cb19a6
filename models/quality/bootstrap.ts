// 95% percentile bootstrap intervals over photographs: the copies and renders of one photograph
// are not independent, so whole photographs are resampled (with replacement), never single
// images. Shared by the held-out (evaluate.ts) and cross-generator (cross-evaluate.ts) reports.
import { Rng } from "./random";

export interface Interval {
  point: number;
  lo: number;
  hi: number;
}

/** `stat` over `items`, with a 95% interval from `n` resamples of the groups given by `photo`. */
export function bootstrapOverPhotos<T>(items: readonly T[], photo: (item: T) => string, stat: (items: T[]) => number, n: number, seed: number): Interval {
  const byPhoto = new Map<string, T[]>();
  for (const it of items) {
    const key = photo(it);
    const group = byPhoto.get(key);
    if (group) group.push(it);
    else byPhoto.set(key, [it]);
  }
  const groups = [...byPhoto.values()];
  const point = stat([...items]);
  const rng = new Rng(seed, 1);
  const draws: number[] = [];
  for (let b = 0; b < n; b++) {
    const sample: T[] = [];
    for (let i = 0; i < groups.length; i++) sample.push(...groups[rng.int(0, groups.length - 1)]!);
    const v = stat(sample);
    if (Number.isFinite(v)) draws.push(v);
  }
  draws.sort((a, b) => a - b);
  return { point, lo: draws[Math.floor(0.025 * draws.length)] ?? NaN, hi: draws[Math.ceil(0.975 * draws.length) - 1] ?? NaN };
}

/** Share of `items` for which `pred` holds (NaN for none: a resample may draw no such item). */
export function share<T>(items: readonly T[], pred: (item: T) => boolean): number {
  return items.length ? items.filter(pred).length / items.length : NaN;
}

const percent = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "n/a");

/** A share with its interval, as the reports print it: "12.7% (6.4%–19.1%)". */
export function percentInterval(c: Interval): string {
  return `${percent(c.point)} (${percent(c.lo)}–${percent(c.hi)})`;
}
