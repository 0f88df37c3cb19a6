// When a live hint shows and when it goes (live-hints.ts): from the first reason of each of
// the last three judged frames (null: a clean frame). A hint shows once two of the three
// agree, and stays until two clean frames in a row, so a hint neither flickers on one bad
// frame nor hangs on after the driver fixed the shot.
import type { DefectCode } from "../../../server/quality/defect-codes";

export type HintDecision = { show: DefectCode } | "clear" | "keep";

export function hintDecision(lastThree: readonly (DefectCode | null)[], showingHint: boolean): HintDecision {
  const counts = new Map<DefectCode, number>();
  for (const d of lastThree) if (d) counts.set(d, (counts.get(d) ?? 0) + 1);
  const agreed = [...counts].find(([, n]) => n >= 2)?.[0];
  const latest = lastThree.at(-1) ?? null;
  if (agreed && latest !== null) return { show: agreed };
  const lastTwoClean = lastThree.length >= 2 && lastThree.slice(-2).every((d) => d === null);
  if (lastTwoClean) return "clear";
  // Not showing a hint yet: two frames without agreement are enough to say "nothing to fix".
  if (!showingHint && lastThree.length >= 2 && !agreed) return "clear";
  return "keep";
}
